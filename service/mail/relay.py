"""The outbox relay built from settings: SMTP when PORTAL_SMTP_URL is set, files in development, and the
loop `portal-agent relay` runs (scheduling it inside `serve` or a worker is issue 18's job runner)."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from billing.ports import MailTransport
from billing.relay import OutboxRelay, RelayReport
from service.mail.files import FileTransport
from service.mail.smtp import SmtpTransport, SmtpUrl

if TYPE_CHECKING:
    from bootstrap.container import Container
    from bootstrap.settings import Settings

log = logging.getLogger(__name__)


class RelayNotConfigured(Exception):
    """The settings do not say where mail goes (a production relay without PORTAL_SMTP_URL, a bad URL)."""


def build_transport(settings: Settings) -> MailTransport:
    if settings.portal_smtp_url:
        try:
            return SmtpTransport(SmtpUrl.parse(settings.portal_smtp_url), settings.portal_mail_from)
        except ValueError as problem:
            raise RelayNotConfigured(str(problem)) from None
    if not settings.is_development:  # customers' receipts must not end up in files on a server
        raise RelayNotConfigured("PORTAL_SMTP_URL is required when PORTAL_ENV=production")
    return FileTransport(settings.mail_dir, settings.portal_mail_from)


def delivery_note(settings: Settings) -> str:
    """Said once when a relay starts: where the mail goes."""
    if settings.portal_smtp_url:
        return f"Outbox relay: delivering mail over {SmtpUrl.parse(settings.portal_smtp_url).redacted()}"
    return (
        f"Outbox relay: PORTAL_SMTP_URL is unset (development), so mail is not sent: "
        f"each mail is written to {settings.mail_dir.resolve()}/<mail id>.eml"
    )


def build_relay(container: Container, transport: MailTransport | None = None) -> OutboxRelay:
    settings = container.settings
    return OutboxRelay(
        container.billing.uow_factory,
        container.billing.clock,
        transport if transport is not None else build_transport(settings),
        settings.mail_domain,
    )


def summary(report: RelayReport) -> str:
    line = (
        f"Sent {len(report.sent)} mail(s); {len(report.retrying)} will be retried, {len(report.failed)} failed "
        f"for good{': ' + ', '.join(report.failed) if report.failed else ''}."
    )
    if report.claimed_elsewhere:
        line += f" {len(report.claimed_elsewhere)} had been claimed by another relay meanwhile."
    return line


def run_forever(relay: OutboxRelay, interval: float, stop: threading.Event) -> None:
    """Run the relay every `interval` seconds until `stop` is set. A failed run (the database restarting)
    is logged and the next run tries again: mail waits in the outbox meanwhile."""
    while not stop.is_set():
        try:
            report = relay.run_once()
        except Exception:  # whatever a run raises, the outbox keeps the mail for the next run
            log.exception("outbox relay run failed; trying again in %.0f s", interval)
        else:
            if report.handled or report.handed_back:
                log.info(summary(report), extra={"sent": len(report.sent), "retrying": len(report.retrying)})
        stop.wait(interval)
