"""`portal-agent relay`, in-process on a temporary data directory: files in development (said so at start),
SMTP when PORTAL_SMTP_URL is set, a refusal to start where mail would go nowhere, and the loop."""

from __future__ import annotations

import logging
import threading
import time
from email import message_from_bytes, policy

import pytest
from aiosmtpd.smtp import AuthResult
from smtp_kit import smtp_server, transport

from billing.entities import MailStatus, OutboxMail
from billing.operations.registry import command
from billing.principal import Principal

ALICE = Principal("alice@acme.example")


@pytest.fixture
def cli(demo_cli):
    return demo_cli


def _pay_inv_1001() -> OutboxMail:
    from bootstrap.container import get_container

    svc = get_container().billing
    action = svc.propose(ALICE, "conv-cli", command("pay_invoice", {"invoice_id": "INV-1001"}))
    svc.execute(ALICE, action.id, "conv-cli")
    return _receipt()


def _receipt() -> OutboxMail:
    from bootstrap.container import get_container

    with get_container().billing.uow_factory() as uow:
        [receipt] = uow.repo.find(OutboxMail, kind="payment_receipt")
    return receipt


def test_in_development_without_smtp_each_mail_is_written_to_a_file_and_it_says_so(cli, tmp_path):
    receipt = _pay_inv_1001()
    result, out = cli("relay", "--once")
    assert result.exit_code == 0, out
    assert "PORTAL_SMTP_URL is unset (development), so mail is not sent" in out
    assert str(tmp_path / "data" / "mail") in out and "Sent 1 mail(s)" in out

    written = message_from_bytes((tmp_path / "data" / "mail" / f"{receipt.id}.eml").read_bytes(), policy=policy.default)
    assert written["Message-ID"] == f"<{receipt.id}@portal.localhost>"
    assert written["To"] == "alice@acme.example" and "Visa ending 4242" in written.get_content()
    assert _receipt().status == MailStatus.SENT
    result, out = cli("relay", "--once")
    assert "Sent 0 mail(s)" in out and len(list((tmp_path / "data" / "mail").iterdir())) == 1


def _accept_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=auth_data.password == b"s3cret", handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_with_portal_smtp_url_the_mail_goes_to_the_server(cli, monkeypatch):
    receipt = _pay_inv_1001()
    with smtp_server(authenticator=_accept_login, auth_require_tls=False, auth_required=True) as server:
        monkeypatch.setenv("PORTAL_SMTP_URL", f"smtp://relay:s3cret@127.0.0.1:{server.port}")
        monkeypatch.setenv("PORTAL_MAIL_FROM", "Acme Billing <billing@acme-billing.example>")
        from bootstrap.container import get_container
        from bootstrap.settings import get_settings

        get_settings.cache_clear()
        get_container().engine.dispose()
        get_container.cache_clear()
        result, out = cli("relay", "--once")
    assert result.exit_code == 0, out
    assert f"delivering mail over smtp://relay@127.0.0.1:{server.port}" in out and "s3cret" not in out
    [got] = server.recorder.received
    assert got.message["Message-ID"] == f"<{receipt.id}@acme-billing.example>"
    assert got.mail_from == "billing@acme-billing.example"


@pytest.mark.parametrize(
    ("env", "why"),
    [
        ({"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "x" * 40}, "PORTAL_SMTP_URL is required"),
        ({"PORTAL_SMTP_URL": "mail.example:25"}, "PORTAL_SMTP_URL must start with smtp://"),
    ],
)
def test_a_relay_with_nowhere_to_send_refuses_to_start(cli, monkeypatch, env, why):
    receipt = _pay_inv_1001()
    from bootstrap.container import get_container
    from bootstrap.settings import get_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_container.cache_clear()
    result, out = cli("relay", "--once")
    assert result.exit_code == 2 and "Cannot start the outbox relay" in out and why in out
    assert _receipt().id == receipt.id and _receipt().status == MailStatus.QUEUED


def test_the_loop_delivers_what_is_queued_later_and_survives_a_failed_run(cli, caplog):
    from bootstrap.container import get_container
    from service.mail.relay import build_relay, run_forever

    class FailsOnce:
        """The first unit of work cannot be opened (the database restarting): that run fails, the loop goes on."""

        def __init__(self, inner) -> None:
            self.inner, self.failed = inner, False

        def __call__(self, *, write: bool = False):
            if not self.failed:
                self.failed = True
                raise ConnectionError("database restarting")
            return self.inner(write=write)

    with smtp_server() as server:
        relay = build_relay(get_container(), transport(server.url))
        relay.uow_factory = FailsOnce(relay.uow_factory)
        stop = threading.Event()
        loop = threading.Thread(target=run_forever, args=(relay, 0.05, stop))
        with caplog.at_level(logging.ERROR, logger="service.mail.relay"):
            loop.start()
            receipt = _pay_inv_1001()
            deadline = time.monotonic() + 20
            while not server.recorder.received and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
            loop.join(10)
    assert not loop.is_alive()
    assert server.recorder.message_ids() == [f"<{receipt.id}@portal.localhost>"]
    assert any("outbox relay run failed" in r.getMessage() for r in caplog.records)
