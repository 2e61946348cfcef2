"""Outbox delivery rules: when a mail is due again, when the relay gives up, and the Message-ID it carries.

Delivery is at least once, never more than "at most one duplicate per crash": a relay that dies after
the mail server accepted a mail and before the relay recorded it leaves the mail claimed; its lease
runs out and the mail is sent again, with the same Message-ID, which receivers may use to drop it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from billing.entities import MailStatus, OutboxMail
from billing.ports import MailError, MailRejected, Repository

MAX_ERROR_CHARS = 300  # the column's size; a server's reply can be long


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off between attempts, a bounded number of attempts, and how long a claim lasts.

    With the defaults a mail is tried 12 times over about 12 hours (1, 2, 4 ... minutes apart, at most
    2 hours) before it is marked failed: long enough to ride out a mail server's maintenance, short
    enough that a receipt still means something when it arrives.
    """

    max_attempts: int = 12
    first_delay: dt.timedelta = dt.timedelta(minutes=1)
    max_delay: dt.timedelta = dt.timedelta(hours=2)
    # Longer than a batch of SMTP conversations can take (each step times out well before), so a live
    # relay keeps its claim while it sends; a dead relay's mails are due again once it runs out.
    lease: dt.timedelta = dt.timedelta(minutes=10)

    def delay(self, attempts: int) -> dt.timedelta:
        """The wait after the `attempts`-th failed attempt."""
        doublings = min(max(attempts - 1, 0), 30)  # beyond that the cap applies anyway, and timedelta overflows
        return min(self.first_delay * (1 << doublings), self.max_delay)


def message_id(mail_id: str, domain: str) -> str:
    """The mail's Message-ID, derived from its id alone: every attempt at one mail carries the same one."""
    return f"<{mail_id}@{domain}>"


def claim_due(
    repo: Repository, now: dt.datetime, claim: str, limit: int, policy: RetryPolicy, id_domain: str
) -> tuple[list[OutboxMail], list[OutboxMail]]:
    """Claim the due mails for one relay and fix each one's Message-ID before anything is sent. Returns
    the mails to send and those given up on.

    A mail claimed more often than the policy allows (each relay that held it died before recording an
    outcome) is marked failed here instead of being sent again."""
    ready, given_up = [], []
    for mail in repo.claim_mails(now, now + policy.lease, claim, limit):
        mail.message_id = mail.message_id or message_id(mail.id, id_domain)
        if mail.attempts > policy.max_attempts:
            _give_up(mail, f"no outcome recorded after {policy.max_attempts} attempts")
            given_up.append(mail)
        else:
            ready.append(mail)
        repo.update(mail)
    return ready, given_up


def record_sent(mail: OutboxMail, now: dt.datetime) -> None:
    mail.status, mail.sent_at, mail.next_attempt_at = MailStatus.SENT, now, None
    mail.claimed_by, mail.last_error = "", ""


def record_not_sent(mail: OutboxMail, error: MailError, now: dt.datetime, policy: RetryPolicy) -> None:
    """A refusal for good, or the last attempt, fails the mail; anything else waits for the next attempt."""
    reason = f"{error.code} {error.reason}" if error.code else error.reason
    if isinstance(error, MailRejected) or mail.attempts >= policy.max_attempts:
        _give_up(mail, reason)
    else:
        mail.next_attempt_at, mail.claimed_by, mail.last_error = now + policy.delay(mail.attempts), "", _cut(reason)


def hand_back(mail: OutboxMail, now: dt.datetime) -> None:
    """Return a claimed mail that was never tried (its lease was about to run out): due now, no attempt used."""
    mail.attempts, mail.next_attempt_at, mail.claimed_by = mail.attempts - 1, now, ""


def _give_up(mail: OutboxMail, reason: str) -> None:
    mail.status, mail.next_attempt_at, mail.claimed_by, mail.last_error = MailStatus.FAILED, None, "", _cut(reason)


def _cut(reason: str) -> str:
    return reason if len(reason) <= MAX_ERROR_CHARS else reason[: MAX_ERROR_CHARS - 1] + "…"
