"""What every exported span passes through: the request id it belongs to, and the masking of its strings.

Both are SDK span processors, so they exist only when tracing is on (service/tracing.py). The spans the
project writes carry no content by design (agent/tracing.py); the masking here is the backstop for what
other code records: an HTTP span's URL (a download link's token, a card number typed into a path), an
exception message quoted by an instrumentation. Same rule as the logs: `scrub` (service/logging.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.util.types import AttributeValue

from service.logging import REQUEST_ID_ATTRIBUTE, request_id_var, scrub


class RequestIdProcessor(SpanProcessor):
    """Stamps each span started during an HTTP request with that request's id (the `request_id` of its log
    lines), so a trace is found from a log line and the other way round (the logs carry the trace id)."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        rid = request_id_var.get()
        if rid != "-":
            span.set_attribute(REQUEST_ID_ATTRIBUTE, rid)


class MaskingProcessor(SpanProcessor):
    """Hands `inner` (the exporting processor) each ended span with card numbers and link tokens masked in its
    name, attributes and events. A span that needs no change (nearly all) is passed on as it is."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.inner.on_end(masked(span))

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def masked(span: ReadableSpan) -> ReadableSpan:
    """The span itself when nothing in it is a card number or a link token, else a copy with them masked."""
    attributes = _clean(span.attributes or {})
    events = [_event(e) for e in span.events]
    name = scrub(span.name)
    if attributes is None and all(e is None for e in events) and name == span.name:
        return span
    # A copy, built as the SDK builds the one it hands to processors (`Span._readable_span`).
    return ReadableSpan(
        name=name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes if attributes is not None else span.attributes,
        events=[new or old for new, old in zip(events, span.events)],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _event(event: Event) -> Event | None:
    attributes = _clean(event.attributes or {})
    return None if attributes is None else Event(event.name, attributes, event.timestamp)


def _clean(attributes: Mapping[str, AttributeValue]) -> dict[str, AttributeValue] | None:
    """The attributes with every string scrubbed, or None when none changed."""
    cleaned = {key: _value(value) for key, value in attributes.items()}
    return cleaned if cleaned != dict(attributes) else None


def _value(value: AttributeValue) -> AttributeValue:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return tuple(scrub(str(v)) for v in value)  # the SDK keeps sequences as tuples: unchanged compares equal
    return value
