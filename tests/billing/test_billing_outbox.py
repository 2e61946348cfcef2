"""The outbox relay's rules over the in-memory store and a scripted transport: claims, back-off, giving up,
the Message-ID fixed at the first claim, and what a claim that ran out does (the SMTP side is in
tests/integration/test_integration_relay.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_kit import ALICE, executed, mails

from billing.entities import MailStatus, OutboxMail
from billing.outbox import RetryPolicy, claim_due
from billing.ports import MailDeferred, MailError, MailRejected
from billing.relay import SEND_MARGIN, OutboxRelay

POLICY = RetryPolicy(max_attempts=3, first_delay=dt.timedelta(minutes=1), max_delay=dt.timedelta(minutes=3))


class ScriptedTransport:
    """Answers each send with the next scripted error (None: accepted); records what it was given."""

    def __init__(self, *answers: MailError | None) -> None:
        self.answers = list(answers)
        self.sent: list[OutboxMail] = []
        self.tried: list[str] = []
        self.closed = 0

    def send(self, mail: OutboxMail) -> None:
        self.tried.append(mail.id)
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer
        self.sent.append(mail)

    def close(self) -> None:
        self.closed += 1


def relay(store, clock, transport, **kwargs) -> OutboxRelay:
    return OutboxRelay(store, clock, transport, "billing.example", policy=POLICY, **kwargs)


def queue(store, clock, n: int) -> list[str]:
    with store(write=True) as uow:
        for i in range(n):
            uow.repo.add(OutboxMail(f"mail_{i:02}", "a@x.example", f"s{i}", "b", "k", "r", clock.now()))
        uow.commit()
    return [f"mail_{i:02}" for i in range(n)]


def one(store, mail_id: str) -> OutboxMail:
    [found] = mails(store, id=mail_id)
    return found


def test_a_receipt_queued_by_the_payment_is_sent_once_with_its_message_id(svc, store, clock):
    executed(svc, ALICE, "pay_invoice", {"invoice_id": "INV-1001"})
    [receipt] = mails(store, kind="payment_receipt")
    assert (receipt.status, receipt.attempts, receipt.message_id) == (MailStatus.QUEUED, 0, "")

    transport = ScriptedTransport()
    report = relay(store, clock, transport).run_once()

    assert report.sent == [receipt.id] and [m.id for m in transport.sent] == [receipt.id]
    assert transport.sent[0].message_id == f"<{receipt.id}@billing.example>"
    stored = one(store, receipt.id)
    assert (stored.status, stored.sent_at, stored.attempts, stored.claimed_by) == (MailStatus.SENT, clock.now(), 1, "")
    assert relay(store, clock, ScriptedTransport()).run_once().handled == 0
    assert transport.closed == 1


def test_a_deferral_backs_off_exponentially_then_gives_up(store, clock):
    [mail_id] = queue(store, clock, 1)
    deferred = MailDeferred("try again later", 451)
    waits = []
    for attempt in (1, 2):
        report = relay(store, clock, ScriptedTransport(deferred)).run_once()
        stored = one(store, mail_id)
        assert report.retrying == [mail_id] and stored.status == MailStatus.QUEUED and stored.attempts == attempt
        assert stored.last_error == "451 try again later"
        waits.append(stored.next_attempt_at - clock.now())
        assert relay(store, clock, ScriptedTransport()).run_once().handled == 0  # not due yet
        clock.current = stored.next_attempt_at
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]

    report = relay(store, clock, ScriptedTransport(deferred)).run_once()
    stored = one(store, mail_id)
    assert report.failed == [mail_id] and (stored.status, stored.attempts) == (MailStatus.FAILED, 3)
    clock.advance(days=1)
    assert relay(store, clock, ScriptedTransport()).run_once().handled == 0  # failed mail stays as it is


def test_the_back_off_is_capped():
    assert [POLICY.delay(n) for n in (1, 2, 3, 4, 60)] == [dt.timedelta(minutes=m) for m in (1, 2, 3, 3, 3)]


def test_a_permanent_refusal_fails_at_once_and_the_rest_of_the_batch_goes_on(store, clock):
    first, second = queue(store, clock, 2)
    report = relay(store, clock, ScriptedTransport(MailRejected("no such user", 550))).run_once()
    assert (report.failed, report.sent) == ([first], [second])
    assert (one(store, first).status, one(store, first).last_error) == (MailStatus.FAILED, "550 no such user")


def test_an_unreachable_server_defers_the_whole_batch_after_one_try(store, clock):
    ids = queue(store, clock, 3)
    transport = ScriptedTransport(MailDeferred("connection refused", affects_all=True))
    report = relay(store, clock, transport).run_once()
    assert transport.tried == ids[:1] and report.retrying == ids
    assert {one(store, i).attempts for i in ids} == {1}


def test_a_relay_that_died_holding_a_claim_sends_again_after_the_lease_with_the_same_message_id(store, clock):
    [mail_id] = queue(store, clock, 1)
    with store(write=True) as uow:  # a relay claims, then dies before recording anything
        [claimed], _ = claim_due(uow.repo, clock.now(), "dead:1", 10, POLICY, "billing.example")
        uow.commit()
    assert relay(store, clock, ScriptedTransport()).run_once().handled == 0  # still claimed

    clock.current = claimed.next_attempt_at
    transport = ScriptedTransport()
    assert relay(store, clock, transport).run_once().sent == [mail_id]
    assert transport.sent[0].message_id == claimed.message_id == f"<{mail_id}@billing.example>"
    assert one(store, mail_id).attempts == 2


def test_a_mail_whose_relays_keep_dying_is_failed_without_another_send(store, clock):
    [mail_id] = queue(store, clock, 1)
    for n in range(POLICY.max_attempts):
        with store(write=True) as uow:
            claim_due(uow.repo, clock.now(), f"dead:{n}", 10, POLICY, "billing.example")
            uow.commit()
        clock.advance(seconds=POLICY.lease.total_seconds())
    transport = ScriptedTransport()
    assert relay(store, clock, transport).run_once().failed == [mail_id] and transport.tried == []
    stored = one(store, mail_id)
    assert stored.status == MailStatus.FAILED and "no outcome recorded after 3 attempts" in stored.last_error


def test_a_relay_whose_claim_ran_out_does_not_overwrite_the_next_claim(store, clock):
    [mail_id] = queue(store, clock, 1)
    with store(write=True) as uow:
        [mail] = uow.repo.claim_mails(clock.now(), clock.now(), "old", 10)
        uow.commit()
    with store(write=True) as uow:
        [_] = uow.repo.claim_mails(clock.now(), clock.now() + POLICY.lease, "new", 10)
        mail.status = MailStatus.SENT
        assert uow.repo.release_mail(mail, "old") is False
        uow.commit()
    assert (one(store, mail_id).claimed_by, one(store, mail_id).status) == ("new", MailStatus.QUEUED)


def test_mails_whose_claim_is_running_out_are_handed_back_untried(store, clock):
    ids = queue(store, clock, 2)

    class SlowTransport(ScriptedTransport):
        def send(self, mail: OutboxMail) -> None:
            super().send(mail)
            clock.advance(seconds=(POLICY.lease - SEND_MARGIN).total_seconds())  # the first send takes ages

    transport = SlowTransport()
    report = relay(store, clock, transport, batch_size=2).run_once()
    # The second mail went back untried, was claimed afresh (a new lease) and sent; no attempt was lost on it.
    assert (report.handed_back, report.sent, transport.tried) == (ids[1:], ids, ids)
    assert [one(store, i).attempts for i in ids] == [1, 1]


@pytest.mark.parametrize("batch_size", [1, 2, 50])
def test_every_due_mail_is_sent_in_one_run_whatever_the_batch_size(store, clock, batch_size):
    ids = queue(store, clock, 5)
    transport = ScriptedTransport()
    assert relay(store, clock, transport, batch_size=batch_size).run_once().sent == ids
    assert [m.id for m in transport.sent] == ids


def test_a_lease_too_short_to_send_anything_is_refused(store, clock):
    with pytest.raises(ValueError, match="lease must be longer"):
        OutboxRelay(store, clock, ScriptedTransport(), "billing.example", policy=RetryPolicy(lease=SEND_MARGIN))
