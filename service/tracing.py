"""Switching tracing on: an OpenTelemetry SDK provider with the OTLP exporter, when the `OTEL_*` settings ask.

Off by default. With none of the settings below, no SDK provider is installed: the spans the agent and the
domain start through the API are non-recording, the FastAPI app is not instrumented, and the SDK is not even
imported. On when (the OpenTelemetry specification's variables, read from the environment):

- `OTEL_TRACES_EXPORTER=otlp` (or `console`, spans printed to stdout for a look on one machine), or
- `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` set with no exporter named;

and never when `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. The exporter speaks OTLP over HTTP
(protobuf); everything else (headers, timeout, `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, the sampler,
the batch sizes) is read by the SDK itself, as the specification says.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from fastapi import FastAPI
from opentelemetry import trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

log = logging.getLogger("portal_agent.tracing")

SERVICE_NAME = "portal-agent"
EXPORTERS = ("otlp", "console")
PROTOCOL = "http/protobuf"
# Probes and scrapes every few seconds would drown the traces that matter; OTEL_PYTHON_FASTAPI_EXCLUDED_URLS
# (or OTEL_PYTHON_EXCLUDED_URLS) replaces this list.
EXCLUDED_URLS = "/healthz,/readyz,/metrics"


class TracingConfigError(ValueError):
    """The `OTEL_*` settings ask for something this service cannot do; it refuses to start rather than guess."""


def exporters_wanted(env: Mapping[str, str]) -> list[str]:
    """The span exporters the settings ask for; none means tracing stays off."""
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = [n.strip().lower() for n in env.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not named:  # an endpoint alone says where OTLP spans go: that is asking for them
        endpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        named = ["otlp"] if endpoint else []
    named = [n for n in named if n != "none"]
    unknown = [n for n in named if n not in EXPORTERS]
    if unknown:
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER: {', '.join(unknown)} is not available here; use otlp, console or none."
        )
    protocol = env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL") or PROTOCOL
    if "otlp" in named and protocol.strip() != PROTOCOL:
        raise TracingConfigError(f"OTEL_EXPORTER_OTLP_PROTOCOL: only {PROTOCOL} is available here, not {protocol!r}.")
    return named


def configure_tracing() -> TracerProvider | None:
    """Install the process's tracer provider if the environment asks for one (see the module docstring); returns
    it, or None when tracing stays off. Call once per process, before the app is built (`create_served_app`).
    The environment, not `.env`: the SDK and the exporter read their own settings from it."""
    wanted = exporters_wanted(os.environ)
    if not wanted:
        return None
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    processors: list[SpanProcessor] = []
    for name in wanted:
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            processors.append(BatchSpanProcessor(OTLPSpanExporter()))  # endpoint, headers...: from OTEL_* itself
        else:
            processors.append(BatchSpanProcessor(ConsoleSpanExporter()))
    provider = build_provider(*processors)
    trace.set_tracer_provider(provider)
    log.info("tracing on: spans exported with %s", ", ".join(wanted))
    return provider


def build_provider(*exporting: SpanProcessor) -> TracerProvider:
    """A tracer provider whose spans carry the request id and reach each exporting processor masked. Tests
    build theirs here too, with the SDK's in-memory exporter."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    from service.span_processors import MaskingProcessor, RequestIdProcessor

    resource = Resource.create()  # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, when set, name the service
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(RequestIdProcessor())
    for processor in exporting:
        provider.add_span_processor(MaskingProcessor(processor))
    return provider


def tracing_on() -> bool:
    """Whether a real tracer provider is installed (the API's defaults are placeholders that record nothing)."""
    return not isinstance(trace.get_tracer_provider(), (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def instrument(app: FastAPI) -> bool:
    """HTTP server spans for the app (opentelemetry-instrumentation-fastapi), only when tracing is on: off, the
    app runs without the instrumentation's middleware at all. Returns whether it instrumented."""
    if not tracing_on():
        return False
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    from_env = os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS") or os.environ.get("OTEL_PYTHON_EXCLUDED_URLS")
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=trace.get_tracer_provider(),
        excluded_urls=None if from_env else EXCLUDED_URLS,
        exclude_spans=["receive", "send"],  # one span per request, not one per SSE frame
    )
    return True
