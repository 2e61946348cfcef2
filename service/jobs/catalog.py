"""The product's jobs, built from the settings: what each runs (the same domain calls as the one-off CLI
commands `settle`, `payments reconcile`, `relay --once` and `purge`) and how often."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from agent.retention import purge
from billing.ports import MailTransport
from billing.reconcile import ReconcileReport
from billing.relay import OutboxRelay
from billing.settlement import SettlementReport
from service.jobs.job import JOB_NAMES, Job
from service.mail.relay import build_relay, summary

if TYPE_CHECKING:
    from bootstrap.container import Container


def build_jobs(
    container: Container, names: Sequence[str] = JOB_NAMES, *, transport: MailTransport | None = None
) -> list[Job]:
    """The named jobs. Raises `service.mail.relay.RelayNotConfigured` when the relay is asked for and the
    settings say nowhere to send mail (production without PORTAL_SMTP_URL)."""
    unknown = sorted(set(names) - set(JOB_NAMES))
    if unknown:
        raise ValueError(f"unknown job(s) {', '.join(unknown)}; the jobs are {', '.join(JOB_NAMES)}")
    settings, billing = container.settings, container.billing
    builders: dict[str, Callable[[], Job]] = {
        "settle": lambda: Job("settle", settings.portal_settle_interval, lambda: _settled(billing.settle())),
        "expire": lambda: Job("expire", settings.portal_expire_interval, lambda: _expired(billing.expire_actions())),
        "reconcile": lambda: Job(
            "reconcile", settings.portal_reconcile_interval, lambda: _reconciled(billing.reconcile())
        ),
        "relay": lambda: Job("relay", settings.portal_relay_interval, _relay(build_relay(container, transport))),
        "purge": lambda: Job("purge", settings.portal_purge_interval, _purge(container)),
    }
    return [builders[name]() for name in JOB_NAMES if name in names]


# Each summary is empty when the run had nothing to do: a quiet tick is not worth a log line.
def _settled(report: SettlementReport) -> str:
    parts = []
    if report.settled:
        parts.append(f"settled {', '.join(report.settled)}")
    if report.unsuspended:
        parts.append(f"un-suspended {', '.join(report.unsuspended)}")
    if report.mismatched:
        parts.append(f"not settled, the gateway reports another amount: {', '.join(report.mismatched)}")
    return "; ".join(parts)


def _expired(action_ids: list[str]) -> str:
    return f"expired {len(action_ids)} pending action(s): {', '.join(action_ids)}" if action_ids else ""


def _reconciled(report: ReconcileReport) -> str:
    if not report.checked:
        return ""
    return (
        f"checked {report.checked} payment(s) in progress: {len(report.succeeded)} went through, "
        f"{len(report.declined)} did not, {len(report.unanswered)} still without an answer"
    )


def _purge(container: Container) -> Callable[[], str]:
    engine, days = container.engine, container.settings.portal_retention_days
    return lambda: purge(engine, days).summary()


def _relay(relay: OutboxRelay) -> Callable[[], str]:
    def run() -> str:
        report = relay.run_once()
        return summary(report) if report.handled or report.handed_back else ""

    return run
