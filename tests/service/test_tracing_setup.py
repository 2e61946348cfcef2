"""Switching tracing on and off with the standard OTEL_* settings: off by default (no provider, no
instrumentation, turns unchanged), on with the OTLP exporter, which is exercised only against a stub collector
on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from service_kit import World
from tracing_kit import exported, global_provider, json_logs, stub_collector

from billing.principal import Principal
from service.app import create_app
from service.tracing import TracingConfigError, configure_tracing, exporters_wanted, tracing_on

OTEL_SETTINGS = (
    "OTEL_SDK_DISABLED",
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in OTEL_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, []),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, ["otlp"]),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, ["otlp"]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, []),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "otlp"}, []),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_TRACES_EXPORTER": "otlp,console"}, ["otlp", "console"]),
        ({"OTEL_TRACES_EXPORTER": "console", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, ["console"]),
    ],
)
def test_tracing_is_on_only_when_the_settings_ask(env: dict[str, str], wanted: list[str]) -> None:
    assert exporters_wanted(env) == wanted


@pytest.mark.parametrize(
    "env",
    [
        {"OTEL_TRACES_EXPORTER": "jaeger"},
        {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
    ],
)
def test_settings_it_cannot_honour_stop_the_start_with_a_reason(env: dict[str, str]) -> None:
    with pytest.raises(TracingConfigError, match="OTEL_"):
        exporters_wanted(env)


@pytest.fixture
def untraced(clean_env: pytest.MonkeyPatch) -> Iterator[None]:
    with global_provider(None):
        assert configure_tracing() is None
        yield


@pytest.fixture
def app(world: World, untraced: None) -> Any:
    return create_app(world.container)


async def test_off_by_default_no_provider_no_instrumentation_and_turns_work(app, client, world):
    assert not tracing_on() and isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert not getattr(app, "_is_instrumented_by_opentelemetry", False)
    conv = (await client.post("/v1/conversations", headers=world.auth("alice"))).json()["conversation_id"]
    with json_logs() as logs:
        r = await client.post(
            f"/v1/conversations/{conv}/messages", json={"text": "pay INV-1001"}, headers=world.auth("alice")
        )
    assert r.status_code == 200 and r.json()["pending_action"]["tool"] == "pay_invoice"
    assert logs and not [line for line in logs if "trace_id" in line]
    assert not tracing_on()  # the turn installed nothing either


def test_otlp_settings_export_spans_over_http_to_the_collector(clean_env, world):
    with stub_collector() as (endpoint, received):
        _export_one_operation(clean_env, endpoint, world)
    [(path, content_type, _)] = received
    assert path == "/v1/traces" and content_type == "application/x-protobuf"
    [request] = exported(received)
    [resource_spans] = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}["service.name"]
    assert service == "portal-agent"  # OTEL_SERVICE_NAME, when set, names it instead
    names = [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert names == ["billing.get_invoice"]


def _export_one_operation(clean_env: pytest.MonkeyPatch, endpoint: str, world: World) -> None:
    clean_env.setenv("OTEL_TRACES_EXPORTER", "otlp")
    clean_env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    with global_provider(None):
        provider = configure_tracing()
        assert provider is not None and tracing_on()
        try:
            world.container.billing.get_invoice(Principal("alice@acme.example", "web"), "INV-1001")
            assert provider.force_flush(5000)
        finally:
            provider.shutdown()


def test_otel_service_name_wins_over_the_default(clean_env):
    clean_env.setenv("OTEL_TRACES_EXPORTER", "console")
    clean_env.setenv("OTEL_SERVICE_NAME", "billing-assistant-eu")
    with global_provider(None):
        provider = configure_tracing()
        assert provider is not None
        provider.shutdown()
    assert provider.resource.attributes["service.name"] == "billing-assistant-eu"
