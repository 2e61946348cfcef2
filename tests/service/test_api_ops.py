"""Health, readiness, metrics, OpenAPI, JSON logs, the widget assets and the development-only routes."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import httpx
import pytest
from service_kit import USERS, make_world
from sqlalchemy import create_engine

from service.app import create_app
from service.logging import JsonFormatter

SPEC_PATHS = {
    ("post", "/v1/conversations"),
    ("post", "/v1/conversations/{conversation_id}/messages"),
    ("post", "/v1/conversations/{conversation_id}/actions/{action_id}/confirm"),
    ("post", "/v1/conversations/{conversation_id}/actions/{action_id}/reject"),
    ("get", "/v1/conversations/{conversation_id}"),
    ("get", "/v1/me"),
    ("get", "/v1/contracts"),
    ("get", "/v1/contracts/{contract_id}"),
    ("get", "/v1/contracts/{contract_id}/users"),
    ("get", "/v1/invoices"),
    ("get", "/v1/invoices/{invoice_id}"),
    ("get", "/v1/invoices/{invoice_id}/pdf"),
    ("get", "/v1/contracts/{contract_id}/signed-quote"),
    ("get", "/v1/links/{token}"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/"),
    ("get", "/widget.js"),
}


def add_index(world) -> None:
    """A tiny stand-in knowledge collection (vectors given, so no embedding model is loaded)."""
    from knowledge.store import open_client

    client = open_client(str(world.settings.portal_data_dir), None)
    client.get_or_create_collection("knowledge-test").add(ids=["a"], documents=["Pay Now"], embeddings=[[0.1, 0.2]])


async def test_healthz(client):
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"} and r.headers["x-request-id"]


async def test_readyz_needs_the_knowledge_index_then_is_ready(client, world):
    r = await client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["database"] == "ok"
    assert "index build" in r.json()["checks"]["knowledge_index"]
    add_index(world)
    r = await client.get("/readyz")
    assert r.status_code == 200 and r.json() == {
        "status": "ready",
        "checks": {"database": "ok", "knowledge_index": "ok"},
    }


async def test_readyz_reports_an_unreachable_database(client, world, tmp_path: Path):
    add_index(world)
    world.container.engine = create_engine(f"sqlite:///{tmp_path}/missing/dir/portal.db")
    r = await client.get("/readyz")
    assert r.status_code == 503 and r.json()["checks"]["database"].startswith("failed")


async def test_metrics_is_prometheus_text(client):
    await client.get("/healthz")
    r = await client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert 'portal_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in r.text
    for name in (
        "portal_turns_total",
        "portal_tool_calls_total",
        "portal_confirmations_total",
        "portal_model_latency_seconds",
        "portal_model_tokens_total",
    ):
        assert f"# TYPE {name}" in r.text


async def test_openapi_lists_every_route_of_the_spec(client):
    spec = (await client.get("/openapi.json")).json()
    have = {(method, path) for path, ops in spec["paths"].items() for method in ops}
    assert SPEC_PATHS <= have, SPEC_PATHS - have
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    turn = spec["components"]["schemas"]["TurnResultOut"]["properties"]
    assert {"conversation_id", "reply", "citations", "tool_calls", "pending_action", "handoff"} <= set(turn)
    assert (await client.get("/docs")).status_code == 200


async def test_unknown_routes_and_methods_are_json(client):
    r = await client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["message"]
    r = await client.delete("/v1/me")
    assert r.status_code == 405 and r.json()["error"] == "method_not_allowed"


async def test_request_id_is_echoed_or_made(client):
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces\nand newline"})
    assert r.headers["x-request-id"] != "bad id with spaces\nand newline" and len(r.headers["x-request-id"]) == 32


async def test_logs_are_json_with_request_id_and_no_card_numbers_or_link_tokens(client, world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        link = world.container.links.path("invoice_pdf", "INV-1001", USERS["alice"])
        await client.get(link, headers={"X-Request-ID": "req-42"})
        logging.getLogger("portal_agent.test").info("user typed 4111-1111-1111-1111 in %s", "chat")
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = [entry for entry in lines if entry["logger"] == "portal_agent.access"]
    assert access and access[-1]["request_id"] == "req-42" and access[-1]["status"] == 200
    assert access[-1]["path"] == "/v1/links/<redacted>" and access[-1]["route"] == "/v1/links/{token}"
    assert access[-1]["user"] == USERS["alice"] and isinstance(access[-1]["ms"], float)
    text = stream.getvalue()
    assert link.rsplit("/", 1)[1] not in text
    assert "4111-1111-1111-1111" not in text and "[card number ending 1111 removed]" in text


async def test_widget_assets_and_help_pages(client):
    js = await client.get("/widget.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
    assert "text/event-stream" in js.text and "sessionStorage" in js.text and "window.PortalAgent" in js.text
    css = await client.get("/widget.css")
    assert css.status_code == 200 and "@media (max-width: 480px)" in css.text
    assert (await client.get("/help/paying-invoices")).status_code == 200
    assert (await client.get("/help/../service/settings")).status_code == 404
    assert (await client.get("/help/no-such-article")).status_code == 404


async def test_development_page_has_the_picker_and_a_token_route(client, world):
    page = await client.get("/")
    assert page.status_code == 200 and 'id="demo-users"' in page.text and 'src="/widget.js"' in page.text
    users = (await client.get("/dev/users")).json()
    assert [u["email"] for u in users] == list(USERS.values())
    token = (await client.post("/dev/token", json={"email": USERS["bob"]})).json()["token"]
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == USERS["bob"]
    assert (await client.post("/dev/token", json={"email": "nobody@x.example"})).status_code == 401


async def test_production_has_no_picker_and_no_dev_routes(tmp_path: Path):
    world = make_world(tmp_path, portal_env="production")
    app = create_app(world.container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        page = await client.get("/")
        assert page.status_code == 200 and "demo-users" not in page.text and "/dev/token" not in page.text
        assert 'src="/widget.js"' in page.text
        assert (await client.post("/dev/token", json={"email": USERS["alice"]})).status_code == 404
        assert (await client.get("/dev/users")).status_code == 404
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert not any(p.startswith("/dev") for p in paths)


@pytest.mark.parametrize("settings_overrides", [{"portal_cors_origins": "https://portal.example"}])
async def test_cors_allows_the_configured_portal_origin_only(client, world, settings_overrides):
    preflight = {
        "Origin": "https://portal.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    r = await client.options("/v1/conversations", headers=preflight)
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://portal.example"
    r = await client.options("/v1/conversations", headers={**preflight, "Origin": "https://evil.example"})
    assert r.headers.get("access-control-allow-origin") != "https://evil.example"


@pytest.mark.parametrize("secret", [None, "short"])
def test_production_refuses_the_development_or_a_short_secret(secret):
    from pydantic import ValidationError

    from bootstrap.settings import Settings

    values = {"portal_env": "production", **({"portal_secret_key": secret} if secret else {})}
    with pytest.raises(ValidationError, match="PORTAL_SECRET_KEY"):
        Settings(_env_file=None, **values)
    assert Settings(_env_file=None, portal_env="production", portal_secret_key="x" * 32).portal_env == "production"


async def test_the_demo_page_has_the_portal_panel_served_from_this_origin(client, tmp_path: Path):
    page = await client.get("/")
    assert 'id="portal-view"' in page.text and '<script src="/portal_view.js">' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]  # a same-origin file, no inline code
    js = await client.get("/portal_view.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("application/javascript")
    assert "portal-agent:changed" in js.text and "innerHTML" not in js.text  # data goes in as text only
    production = make_world(tmp_path / "prod", portal_env="production")
    app = create_app(production.container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as other:
        assert "portal-view" not in (await other.get("/")).text  # no demo user, nobody to show
    production.container.engine.dispose()
