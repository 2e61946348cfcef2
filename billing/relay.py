"""The outbox relay: queued mail is claimed in a short transaction, handed to the mail transport outside
any transaction, and each outcome is recorded in a transaction of its own, right after its send, so a
crash leaves at most the mail being sent unrecorded (see `billing.outbox`)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from billing.entities import MailStatus, OutboxMail
from billing.outbox import RetryPolicy, claim_due, hand_back, record_not_sent, record_sent
from billing.ports import Clock, MailDeferred, MailError, MailTransport, UnitOfWorkFactory

log = logging.getLogger(__name__)

# A mail is not started when its claim has less than this left: it is handed back for the next run.
SEND_MARGIN = dt.timedelta(minutes=2)


@dataclass
class RelayReport:
    """Mail ids by what one run did with them."""

    sent: list[str] = field(default_factory=list)
    retrying: list[str] = field(default_factory=list)  # not accepted this time; due again after a back-off
    failed: list[str] = field(default_factory=list)  # refused for good, or out of attempts
    handed_back: list[str] = field(default_factory=list)  # claimed but not tried: the claim was running out
    # Tried, but the outcome was not recorded: the claim had run out and passed to another relay.
    claimed_elsewhere: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed) + len(self.claimed_elsewhere)


@dataclass
class OutboxRelay:
    """Delivers the outbox through a `MailTransport`. Several relays may run at once, in one process or
    on several hosts: each mail is claimed by one of them (`Repository.claim_mails`)."""

    uow_factory: UnitOfWorkFactory
    clock: Clock
    transport: MailTransport
    id_domain: str  # the right-hand side of every Message-ID (the sender's domain)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    batch_size: int = 20
    name: str = field(default_factory=lambda: f"relay-{uuid.uuid4().hex[:8]}")

    def __post_init__(self) -> None:
        if self.policy.lease <= SEND_MARGIN * 2:  # every claim would be handed back before its first send
            raise ValueError(f"the relay's lease must be longer than {SEND_MARGIN * 2}")

    def run_once(self) -> RelayReport:
        """Deliver every mail due now, batch by batch, until none is left due (or a batch made no progress:
        everything in it was handed back, and claiming it again at once would change nothing)."""
        report = RelayReport()
        try:
            while True:
                handled = report.handled
                claim, batch = self._claim(report)
                if batch:
                    self._deliver(claim, batch, report)
                if report.handled == handled:
                    break
        finally:
            self.transport.close()
        return report

    def _claim(self, report: RelayReport) -> tuple[str, list[OutboxMail]]:
        claim = f"{self.name}:{uuid.uuid4().hex[:12]}"
        with self.uow_factory(write=True) as uow:
            ready, given_up = claim_due(uow.repo, self.clock.now(), claim, self.batch_size, self.policy, self.id_domain)
            uow.commit()
        for mail in given_up:
            report.failed.append(mail.id)
            log.warning("mail failed for good", extra={"mail_id": mail.id, "kind": mail.kind, "error": mail.last_error})
        return claim, ready

    def _deliver(self, claim: str, batch: list[OutboxMail], report: RelayReport) -> None:
        for index, mail in enumerate(batch):
            if self._running_out(mail):
                for rest in batch[index:]:
                    hand_back(rest, self.clock.now())
                    self._release(rest, claim, report.handed_back, report)
                return
            try:
                self.transport.send(mail)
            except MailDeferred as error:
                self._not_sent(mail, claim, error, report)
                if error.affects_all:  # the next mails would meet the same time-out or refusal: they back off too
                    for rest in batch[index + 1 :]:
                        self._not_sent(rest, claim, error, report)
                    return
            except MailError as error:
                self._not_sent(mail, claim, error, report)
            else:
                record_sent(mail, self.clock.now())
                self._release(mail, claim, report.sent, report)
                log.info("mail sent", extra={"mail_id": mail.id, "kind": mail.kind, "attempt": mail.attempts})

    def _running_out(self, mail: OutboxMail) -> bool:
        """Sending after the claim ran out could race the next relay's claim of the same mail."""
        lease_end = mail.next_attempt_at
        return lease_end is not None and self.clock.now() + SEND_MARGIN >= lease_end

    def _not_sent(self, mail: OutboxMail, claim: str, error: MailError, report: RelayReport) -> None:
        record_not_sent(mail, error, self.clock.now(), self.policy)
        gave_up = mail.status == MailStatus.FAILED
        self._release(mail, claim, report.failed if gave_up else report.retrying, report)
        log.warning(
            "mail failed for good" if gave_up else "mail not accepted, will retry",
            extra={"mail_id": mail.id, "kind": mail.kind, "attempt": mail.attempts, "error": mail.last_error},
        )

    def _release(self, mail: OutboxMail, claim: str, outcome: list[str], report: RelayReport) -> None:
        with self.uow_factory(write=True) as uow:
            kept = uow.repo.release_mail(mail, claim)
            uow.commit()
        if kept:
            outcome.append(mail.id)
        else:  # only a relay that outlived its lease gets here; the mail's new claim records its own outcome
            report.claimed_elsewhere.append(mail.id)
            log.warning("mail claimed by another relay meanwhile", extra={"mail_id": mail.id})
