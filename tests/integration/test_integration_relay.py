"""The outbox relay against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite and PostgreSQL: a receipt
queued by a real payment is delivered once with its headers; refusals and an absent server are retried
with back-off and nothing is lost; two relays at once deliver each mail once; a crash between the send
and its record re-sends the same Message-ID, once."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from smtp_kit import DOMAIN, Recorder, free_port, queue, relay, smtp_server, transport

from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.entities import ActionStatus, MailStatus, OutboxMail
from billing.operations.registry import command
from billing.outbox import RetryPolicy
from billing.principal import Principal
from billing.relay import OutboxRelay
from bootstrap.db import create_engine_for

ALICE = Principal("alice@acme.example")
POLICY = RetryPolicy(max_attempts=4, first_delay=dt.timedelta(minutes=1), max_delay=dt.timedelta(minutes=10))
CARD_LIKE = re.compile(rb"\d(?:[ -]?\d){12,18}")
HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _mails(backend, **filters) -> list[OutboxMail]:
    with backend.svc.uow_factory() as uow:
        return sorted(uow.repo.find(OutboxMail, **filters), key=lambda m: m.id)


def _mail(backend, mail_id: str) -> OutboxMail:
    [mail] = _mails(backend, id=mail_id)
    return mail


def _pay_inv_1001(backend) -> OutboxMail:
    action = backend.svc.propose(ALICE, "conv-relay", command("pay_invoice", {"invoice_id": "INV-1001"}))
    assert backend.svc.execute(ALICE, action.id, "conv-relay").status == ActionStatus.EXECUTED
    [receipt] = _mails(backend, kind="payment_receipt")
    return receipt


def test_a_payment_receipt_is_delivered_once_with_its_headers(backend):
    receipt = _pay_inv_1001(backend)
    with smtp_server() as server:
        report = relay(backend.svc.uow_factory, backend.clock, server.url, policy=POLICY).run_once()
        assert report.sent == [receipt.id]
        assert relay(backend.svc.uow_factory, backend.clock, server.url, policy=POLICY).run_once().handled == 0

    [got] = server.recorder.received
    assert (got.mail_from, got.rcpt_tos) == ("billing@billing.example", ["alice@acme.example"])
    headers = {k: str(got.message[k]) for k in ("From", "To", "Subject", "Message-ID", "Auto-Submitted")}
    assert headers == {
        "From": "Billing Portal <billing@billing.example>",
        "To": "alice@acme.example",
        "Subject": "Payment received for INV-1001",
        "Message-ID": f"<{receipt.id}@{DOMAIN}>",
        "Auto-Submitted": "auto-generated",
    }
    assert got.message["Date"].datetime == receipt.created_at
    body = got.message.get_content()
    assert "USD 1,200.00" in body and "Visa ending 4242" in body and "Confirmation number: PC-" in body
    assert not CARD_LIKE.search(got.raw)  # the last four digits only, never a card number

    stored = _mail(backend, receipt.id)
    assert (stored.status, stored.sent_at, stored.attempts) == (MailStatus.SENT, backend.clock.now(), 1)
    assert (stored.message_id, stored.claimed_by, stored.last_error) == (f"<{receipt.id}@{DOMAIN}>", "", "")


def test_a_refusing_server_gets_the_mail_later_with_back_off_and_nothing_is_lost(backend):
    receipt = _pay_inv_1001(backend)
    clock, uow = backend.clock, backend.svc.uow_factory
    with smtp_server(Recorder(refuse=2)) as server:
        waits = []
        for attempt in (1, 2):
            assert relay(uow, clock, server.url, policy=POLICY).run_once().retrying == [receipt.id]
            stored = _mail(backend, receipt.id)
            assert (stored.status, stored.attempts) == (MailStatus.QUEUED, attempt)
            assert stored.last_error == "451 4.3.0 Try again later"
            waits.append(stored.next_attempt_at - clock.now())
            assert relay(uow, clock, server.url, policy=POLICY).run_once().handled == 0  # not before its time
            clock.current = stored.next_attempt_at
        assert relay(uow, clock, server.url, policy=POLICY).run_once().sent == [receipt.id]

    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]
    assert server.recorder.refused == 2 and server.recorder.message_ids() == [f"<{receipt.id}@{DOMAIN}>"]
    assert _mail(backend, receipt.id).status == MailStatus.SENT


def test_mail_waits_while_no_server_answers_and_goes_once_one_does(backend):
    ids = queue(backend.svc.uow_factory, backend.clock, 3)
    port = free_port()  # nothing listens there yet
    report = relay(backend.svc.uow_factory, backend.clock, f"smtp://127.0.0.1:{port}", policy=POLICY).run_once()
    assert report.retrying == ids and {m.attempts for m in _mails(backend)} == {1}
    assert "cannot reach the mail server" in _mail(backend, ids[0]).last_error

    backend.clock.advance(minutes=1)
    with smtp_server() as server:
        assert relay(backend.svc.uow_factory, backend.clock, server.url, policy=POLICY).run_once().sent == ids
    assert sorted(server.recorder.message_ids()) == [f"<{i}@{DOMAIN}>" for i in ids]


def test_a_permanent_refusal_fails_the_mail_and_keeps_the_reason(backend):
    [mail_id] = queue(backend.svc.uow_factory, backend.clock, 1)
    with smtp_server(Recorder(refuse=1, reply="550 5.1.1 No such user")) as server:
        report = relay(backend.svc.uow_factory, backend.clock, server.url, policy=POLICY).run_once()
    stored = _mail(backend, mail_id)
    assert report.failed == [mail_id] and (stored.status, stored.last_error) == (
        MailStatus.FAILED,
        "550 5.1.1 No such user",
    )
    assert server.recorder.received == []


class Crash(BaseException):
    """The relay process dying: nothing in the relay catches it."""


class CrashAfterSend:
    """The real SMTP transport, and a crash right after the server accepted the mail, before it is recorded."""

    def __init__(self, url: str) -> None:
        self.inner = transport(url)

    def send(self, mail: OutboxMail) -> None:
        self.inner.send(mail)
        raise Crash

    def close(self) -> None:
        self.inner.close()


def test_a_crash_between_send_and_record_sends_again_with_the_same_message_id(backend):
    receipt = _pay_inv_1001(backend)
    clock, uow = backend.clock, backend.svc.uow_factory
    with smtp_server() as server:
        with pytest.raises(Crash):
            OutboxRelay(uow, clock, CrashAfterSend(server.url), DOMAIN, policy=POLICY).run_once()
        stored = _mail(backend, receipt.id)
        assert (stored.status, stored.attempts, stored.sent_at) == (MailStatus.QUEUED, 1, None)
        assert stored.claimed_by and len(server.recorder.received) == 1

        assert relay(uow, clock, server.url, policy=POLICY).run_once().handled == 0  # the dead relay's claim holds
        clock.current = stored.next_attempt_at  # ... until its lease runs out
        assert relay(uow, clock, server.url, policy=POLICY).run_once().sent == [receipt.id]
        assert relay(uow, clock, server.url, policy=POLICY).run_once().handled == 0

    first, second = server.recorder.received
    assert first.message["Message-ID"] == second.message["Message-ID"] == f"<{receipt.id}@{DOMAIN}>"
    assert first.raw == second.raw  # the same message, Date included: a receiver can drop the copy
    assert (_mail(backend, receipt.id).status, _mail(backend, receipt.id).attempts) == (MailStatus.SENT, 2)


class Overlapping:
    """The real transport, except that each relay's first send waits until the other relay is sending too:
    both hold claims at the same moment, whatever the scheduler does."""

    def __init__(self, url: str, mine: threading.Event, theirs: threading.Event) -> None:
        self.inner, self.mine, self.theirs = transport(url), mine, theirs
        self.sent: list[str] = []

    def send(self, mail: OutboxMail) -> None:
        self.mine.set()
        assert self.theirs.wait(20), "the other relay never claimed anything"
        self.inner.send(mail)
        self.sent.append(mail.id)

    def close(self) -> None:
        self.inner.close()


def test_two_relays_at_once_deliver_each_mail_once(backend):
    ids = queue(backend.svc.uow_factory, backend.clock, 40)
    engines = [create_engine_for(backend.url) for _ in range(2)]  # as two processes would: own connections
    try:
        with smtp_server(Recorder(delay=0.005)) as server:
            started = [threading.Event(), threading.Event()]
            transports = [Overlapping(server.url, started[i], started[1 - i]) for i in range(2)]
            relays = [
                OutboxRelay(SqlUnitOfWorkFactory(e), backend.clock, t, DOMAIN, policy=POLICY, batch_size=4)
                for e, t in zip(engines, transports)
            ]
            reports: list = [None, None]
            errors: list[BaseException] = []
            barrier = threading.Barrier(2)

            def run(i: int) -> None:
                try:
                    barrier.wait()
                    reports[i] = relays[i].run_once()
                except BaseException as exc:  # surfaced below, with the other thread's result
                    errors.append(exc)

            threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            assert not errors, errors
    finally:
        for e in engines:
            e.dispose()

    delivered = server.recorder.message_ids()
    assert sorted(delivered) == [f"<{i}@{DOMAIN}>" for i in ids]  # every mail, and each once
    assert sorted(reports[0].sent + reports[1].sent) == ids and all(t.sent for t in transports)
    assert {(m.status, m.attempts) for m in _mails(backend)} == {(MailStatus.SENT, 1)}
    print(f"\nrelay split on {backend.name}: {len(reports[0].sent)} + {len(reports[1].sent)} of {len(ids)}")


def test_a_relay_killed_after_the_server_accepted_a_mail_loses_nothing_and_repeats_only_that_one(backend):
    """kill -9 of a relay process mid-batch: the mails it recorded stay sent, the one it was recording is
    sent once more with the same Message-ID, the rest of its batch goes out once its lease runs out."""
    ids = queue(backend.svc.uow_factory, backend.clock, 5)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")])}
    with smtp_server() as server:
        args = [
            sys.executable,
            str(HERE / "relay_worker.py"),
            backend.url,
            server.url,
            backend.clock.now().isoformat(),
            "3",
        ]
        worker = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert worker.returncode == -signal.SIGKILL, worker.stderr
        assert server.recorder.message_ids() == [f"<{i}@{DOMAIN}>" for i in ids[:3]]
        after_kill = {m.id: m.status for m in _mails(backend)}
        assert after_kill == {**{i: MailStatus.SENT for i in ids[:2]}, **{i: MailStatus.QUEUED for i in ids[2:]}}

        assert relay(backend.svc.uow_factory, backend.clock, server.url).run_once().handled == 0  # its claim holds
        backend.clock.advance(seconds=RetryPolicy().lease.total_seconds())
        assert relay(backend.svc.uow_factory, backend.clock, server.url).run_once().sent == ids[2:]

    delivered = server.recorder.message_ids()
    assert sorted(set(delivered)) == [f"<{i}@{DOMAIN}>" for i in ids]  # nothing lost
    assert [m for m in delivered if delivered.count(m) > 1] == [f"<{ids[2]}@{DOMAIN}>"] * 2  # one repeat, same id
    assert {m.status for m in _mails(backend)} == {MailStatus.SENT}
    print(f"\nrelay kill -9 on {backend.name}: {len(delivered)} deliveries of {len(ids)} mails, 1 repeat")
