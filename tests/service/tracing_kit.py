"""Test plumbing for tracing: a global tracer provider installed for one test and restored after, reading the
finished spans as a tree, and every string a span carries (to look for what must never be there)."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util._once import Once

from service.logging import JsonFormatter


@contextmanager
def global_provider(provider: trace.TracerProvider | None) -> Iterator[None]:
    """`provider` as the process's tracer provider (None: none at all, the API's placeholder), then whatever
    was there before. The API lets a provider be set once per process; OpenTelemetry's own test utilities
    reset the same two module globals to get around that."""
    saved = trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE
    trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = None, Once()
    if provider is not None:
        trace.set_tracer_provider(provider)
    try:
        yield
    finally:
        trace._TRACER_PROVIDER, trace._TRACER_PROVIDER_SET_ONCE = saved


class Tree:
    """Finished spans, looked up by name and by parent."""

    def __init__(self, spans: tuple[ReadableSpan, ...]) -> None:
        self.spans = list(spans)
        self._by_id = {s.context.span_id: s for s in self.spans}

    def named(self, name: str) -> list[ReadableSpan]:
        return [s for s in self.spans if s.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, f"{len(found)} spans named {name!r} in {self.names()}"
        return found[0]

    def parent(self, span: ReadableSpan) -> ReadableSpan | None:
        return self._by_id.get(span.parent.span_id) if span.parent else None

    def children(self, span: ReadableSpan) -> list[ReadableSpan]:
        return sorted(
            (s for s in self.spans if s.parent and s.parent.span_id == span.context.span_id),
            key=lambda s: s.start_time or 0,
        )

    def names(self) -> list[str]:
        return [s.name for s in self.spans]


def strings(span: ReadableSpan) -> list[str]:
    """Every string a span carries: its name, status, attributes and its events' names and attributes."""
    found = [span.name, span.status.description or ""]
    attribute_sets = [span.attributes or {}] + [e.attributes or {} for e in span.events]
    found += [e.name for e in span.events]
    for attributes in attribute_sets:
        for key, value in attributes.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            found += [key] + [str(v) for v in values]
    return found


@contextmanager
def json_logs() -> Iterator[list[dict[str, object]]]:
    """The project's JSON log lines (service/logging.py) written while the block runs, parsed."""
    stream, lines = io.StringIO(), []
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("portal_agent")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        lines += [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


class _Collector(BaseHTTPRequestHandler):
    """A stub OTLP/HTTP collector: keeps what is posted to it, answers 200 with an empty response message."""

    received: list[tuple[str, str, bytes]]

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.received.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@contextmanager
def stub_collector() -> Iterator[tuple[str, list[tuple[str, str, bytes]]]]:
    """An OTLP/HTTP collector on 127.0.0.1 (the only place a test exports to): its base URL, and the (path,
    content type, body) of each export it received."""
    received: list[tuple[str, str, bytes]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def exported(received: list[tuple[str, str, bytes]]) -> list[ExportTraceServiceRequest]:
    """The export requests a collector received, decoded (OTLP protobuf)."""
    return [ExportTraceServiceRequest.FromString(body) for _, _, body in received]


@contextmanager
def memory_spans() -> Iterator[InMemorySpanExporter]:
    """A plain SDK provider exporting to memory, installed as the global one for the block."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with global_provider(provider):
        yield memory
    provider.shutdown()
