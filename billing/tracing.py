"""A span for each domain operation, through the OpenTelemetry *API* only.

The API is a no-op until an SDK tracer provider is installed (the service does that only when the standard
`OTEL_*` settings ask for it), so with tracing off an operation pays for a non-recording span and nothing
more. The domain knows nothing of exporters, HTTP or the agent: a span here says which operation ran and
how it ended, never with what values (no amounts, e-mails, addresses; ids of actions only).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from billing.entities import PendingAction
from billing.errors import DomainError

TRACER = "portal_agent.billing"
P = ParamSpec("P")
T = TypeVar("T")

OPERATION = "portal.operation.name"
COMMAND = "portal.operation.command"  # the write a proposal or a decision is about (pay_invoice, ...)
OUTCOME = "portal.operation.outcome"  # ok | refused (a domain rule said no) | error (anything else)
REFUSAL = "portal.refusal"  # the domain error's type, e.g. InvoiceNotPayable: a name, never its message
ERROR_TYPE = "error.type"


def traced(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a `BillingService` method inside a `billing.<method>` span (nested under whatever is current: a
    tool call, an HTTP request, a job)."""
    name = fn.__name__

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        # The tracer is looked up per call, not at import: a provider installed later (at start-up, by a test)
        # is the one used. Exceptions are recorded by type only (below): their messages may quote input.
        tracer = trace.get_tracer(TRACER)
        with tracer.start_as_current_span(
            f"billing.{name}", kind=SpanKind.INTERNAL, record_exception=False, set_status_on_exception=False
        ) as span:
            if span.is_recording():
                span.set_attribute(OPERATION, name)
                _command(span, args)
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                record_failure(span, exc)
                raise
            if span.is_recording():
                span.set_attribute(OUTCOME, "ok")
                if isinstance(result, PendingAction):
                    _action(span, result)
            return result

    return run


def record_failure(span: Span, exc: BaseException) -> None:
    """How a span's work ended when it raised: a domain refusal is an answer, not a fault (status unset);
    anything else is an error. Only the exception's type is kept: a message may quote what was typed."""
    if not span.is_recording():
        return
    if isinstance(exc, DomainError):
        span.set_attributes({OUTCOME: "refused", REFUSAL: type(exc).__name__})
        return
    span.set_attributes({OUTCOME: "error", ERROR_TYPE: type(exc).__qualname__})
    span.set_status(Status(StatusCode.ERROR, type(exc).__qualname__))


def _command(span: Span, args: tuple[object, ...]) -> None:
    """The command a proposal carries (its operation's name: a class-level constant of every command)."""
    for arg in args:
        operation = getattr(type(arg), "operation", None)
        if isinstance(operation, str):
            span.set_attribute(COMMAND, operation)
            return


def _action(span: Span, action: PendingAction) -> None:
    span.set_attributes(
        {COMMAND: action.operation, "portal.action.id": action.id, "portal.action.status": action.status.value}
    )
