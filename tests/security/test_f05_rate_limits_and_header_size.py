"""Finding 5: unauthenticated routes were not rate limited, link routes spent the link user's own
bucket (a link holder could throttle its owner), and a 40 MB header got 200."""

from __future__ import annotations

import pytest
from skit import client_for, served
from slack_kit import deliver, event_body, mention, signed_headers

from service.app import create_app

TIGHT = {"portal_client_rate_limit_per_minute": 1, "portal_client_rate_limit_burst": 3}


async def _codes(client, n: int, method: str, path: str, **kw) -> list[int]:
    return [(await client.request(method, path, **kw)).status_code for _ in range(n)]


@pytest.mark.parametrize(
    "method,path,kw",
    [
        ("GET", "/v1/me", {"headers": {"Authorization": "Bearer not-a-token"}}),
        ("GET", "/v1/me", {}),
        ("POST", "/dev/token", {"json": {"email": "mallory@evil.example"}}),
        ("GET", "/readyz", {}),
        ("GET", "/healthz", {}),
        ("GET", "/metrics", {}),
        ("GET", "/v1/links/forged.link", {}),
    ],
    ids=["bad token", "no token", "dev token", "readyz", "healthz", "metrics", "links"],
)
async def test_requests_that_name_no_user_are_limited_per_client(tmp_path, method, path, kw):
    async with served(tmp_path, **TIGHT) as (world, client):
        codes = await _codes(client, 5, method, path, **kw)
        assert codes[:3] != [429] * 3 and codes[3:] == [429, 429], codes
        r = await client.request(method, path, **kw)
        assert int(r.headers["retry-after"]) >= 1 and r.json()["error"] == "rate_limited"
        # the signed-in user is not throttled by someone's failed attempts from the same address
        assert (await client.get("/v1/contracts", headers=world.auth("alice"))).status_code == 200


async def test_another_address_has_its_own_bucket(tmp_path):
    async with served(tmp_path, **TIGHT) as (world, client):
        await _codes(client, 4, "GET", "/v1/me", headers={"Authorization": "Bearer x"})
        app = create_app(world.container)
        async with client_for(app, "127.0.0.2") as other:
            assert (await other.get("/v1/me", headers={"Authorization": "Bearer x"})).status_code == 401


async def test_a_link_holder_cannot_throttle_the_links_owner(tmp_path):
    limits = {"portal_rate_limit_per_minute": 1, "portal_rate_limit_burst": 3, **TIGHT}
    async with served(tmp_path, **limits) as (world, client):
        link = world.container.links.path("invoice_pdf", "INV-1001", "alice@acme.example")
        codes = await _codes(client, 6, "GET", link)
        assert codes[:3] == [200] * 3 and codes[3:] == [429] * 3  # the holder's own (address) bucket
        assert await _codes(client, 3, "GET", "/v1/me", headers=world.auth("alice")) == [200] * 3


async def test_oversized_headers_are_refused_before_any_route(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        big = {"X-Padding": "a" * (64 * 1024), **world.auth("alice")}
        r = await client.get("/v1/me", headers=big)
        assert r.status_code == 431 and r.json()["error"] == "headers_too_large" and "alice" not in r.text
        many = {f"X-H{i}": "b" * 200 for i in range(300)}
        assert (await client.get("/healthz", headers=many)).status_code == 431
        assert (await client.get("/healthz", headers={"X-Padding": "a" * 1024})).status_code == 200


def test_serve_caps_the_raw_header_bytes_uvicorn_buffers(monkeypatch, tmp_path, clear_service_caches):
    import uvicorn

    from service.cli_serve import MAX_HEADER_BYTES, serve

    calls: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(kw))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    serve(host="127.0.0.1", port=8000, workers=1, log_level="info")
    assert calls[0]["h11_max_incomplete_event_size"] == MAX_HEADER_BYTES <= 64 * 1024


async def test_unsigned_slack_requests_are_limited_and_slacks_own_are_not(slack):
    body = event_body(mention("show my invoices", "1700000500.000100"), "EvRL")
    forged = signed_headers(body, secret="guessed-secret")
    codes = [(await slack.client.post("/slack/events", content=body, headers=forged)).status_code for _ in range(35)]
    assert codes[0] == 401 and codes[-1] == 429 and 200 not in codes
    # Slack itself, from the same address, keeps getting through (a busy workspace is never throttled here)
    for i in range(40):
        ok = await deliver(slack.client, event_body(mention("hi", f"1700000501.{i:06d}"), f"EvOK{i}"))
        assert ok.status_code == 200
    await slack.bot.idle()
    assert len(slack.stub.posts) == 40  # each delivery was handled (answered) by the bot
