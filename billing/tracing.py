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


class Tracer:
    """The tracer of one instrumentation scope from the provider installed *now*: looked up again when the
    provider changes (installed at start-up, or by a test), and not on every span (a lookup costs more than a
    non-recording span)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._provider: object = None
        self._tracer: trace.Tracer = trace.NoOpTracer()

    def get(self) -> trace.Tracer:
        provider = trace.get_tracer_provider()
        if provider is not self._provider:
            self._tracer, self._provider = provider.get_tracer(self.scope), provider
        return self._tracer


_tracer = Tracer(TRACER)


def traced(fn: Callable[P, T]) -> Callable[P, T]:
    """Run a `BillingService` method inside a `billing.<method>` span (nested under whatever is current: a
    tool call, an HTTP request, a job)."""
    name, span_name = fn.__name__, f"billing.{fn.__name__}"

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        span = _tracer.get().start_span(span_name, kind=SpanKind.INTERNAL)
        if not span.is_recording():  # tracing off (or sampled out): not even a context switch
            return fn(*args, **kwargs)
        span.set_attribute(OPERATION, name)
        _command(span, args)
        # Exceptions are recorded by type only (`record_failure`): their messages may quote input.
        with trace.use_span(span, end_on_exit=True, record_exception=False, set_status_on_exception=False):
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:
                record_failure(span, exc)
                raise
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
