"""`GET /insights` and `GET /v1/insights` through the API: operators only (PORTAL_OPERATOR_EMAILS), the seeded
week's figures in JSON and on the page, and the page's sign-in shell for a browser that has no header yet."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import insights_kit as kit
import pytest
from service_kit import World, make_world

from service.app import create_app

OPERATOR = "ops@support.example"  # not a portal user
PATHS = ("/insights", "/v1/insights")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = make_world(tmp_path, portal_operator_emails=f" {OPERATOR.upper()} , bob@acme.example")
    kit.seed(w.container.engine)
    w.clock.current = kit.NOW
    yield w
    w.container.engine.dispose()


@pytest.fixture
async def client(world: World) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(world.container))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.mark.parametrize("customer", ["alice", "dave", "mallory@nowhere.example"])
async def test_anyone_but_an_operator_gets_403_json(client: httpx.AsyncClient, world: World, customer: str) -> None:
    for path in PATHS:
        r = await client.get(path, headers=world.auth(customer))
        assert r.status_code == 403, (path, r.text)
        assert r.headers["content-type"].startswith("application/json")
        assert r.json()["error"] == "forbidden" and "PORTAL_OPERATOR_EMAILS" in r.json()["message"]
        assert "bitcoin" not in r.text.lower()


async def test_bad_tokens_are_401_and_no_token_gets_no_figures(client: httpx.AsyncClient, world: World) -> None:
    bad = {"Authorization": "Bearer not-a-jwt"}
    for path in PATHS:
        assert (await client.get(path, headers=bad)).status_code == 401
    assert (await client.get("/v1/insights")).status_code == 401
    shell = await client.get("/insights")
    assert shell.status_code == 200 and 'id="operator-sign-in"' in shell.text
    assert '<script src="/insights.js"></script>' in shell.text and "Bitcoin" not in shell.text
    assert "script-src 'self'" in shell.headers["content-security-policy"]
    assert shell.headers["cache-control"] == "no-store"


async def test_an_operator_who_is_no_portal_user_gets_the_figures(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/v1/insights", params={"since": "7d"}, headers=world.auth(OPERATOR))
    assert r.status_code == 200, r.text
    figures = r.json()
    assert figures["resolution"] == kit.EXPECTED_RESOLUTION
    assert figures["handoffs"] == kit.EXPECTED_HANDOFFS
    assert figures["proposals"] == kit.EXPECTED_PROPOSALS
    assert figures["latency"] == kit.EXPECTED_LATENCY
    assert [(g["count"], tuple(g["examples"]), g["last_asked"]) for g in figures["knowledge_gaps"]["groups"]] == (
        kit.EXPECTED_GAPS
    )
    assert (await client.get("/v1/me", headers=world.auth(OPERATOR))).status_code == 401  # no billing data


async def test_a_portal_user_listed_as_operator_gets_them_too(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/v1/insights", headers=world.auth("bob"))
    assert r.status_code == 200 and r.json()["satisfaction"]["ratings"] == kit.EXPECTED_SATISFACTION["ratings"]


async def test_the_page_shows_a_rating_a_hand_off_and_a_knowledge_gap(client: httpx.AsyncClient, world: World) -> None:
    r = await client.get("/insights", params={"since": "7d"}, headers=world.auth(OPERATOR))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for heading in ("Knowledge gaps", "Hand-offs", "Satisfaction", "Proposals", "Refusals", "Reply time"):
        assert f">{heading}</h2>" in page
    assert "Clear answer" in page and "5 ratings, 60 % thumbs up" in page
    assert ">Payment / collections question<" in page and ">collector<" in page
    assert f"<li>{kit.BITCOIN}</li>" in page and "<li>can I pay with crypto</li>" in page
    assert "<svg" in page and "<script" not in page and "4111 1111" not in page
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp


async def test_every_text_on_the_page_is_escaped(client: httpx.AsyncClient, world: World) -> None:
    hostile = "<img src=x onerror=alert(1)> how do I <b>pay</b>"
    row = kit.turn("c10", 2, kit.at(10, 9), hostile, 10, searched=True, unanswered=True)
    row |= {"handoff_queue": "<q>", "handoff_subject": "<script>x</script>: y"}
    with world.container.engine.begin() as conn:
        from agent.store_tables import turns

        conn.execute(turns.insert(), [row])
    page = (await client.get("/insights", headers=world.auth(OPERATOR))).text
    assert "<img" not in page and "<b>pay" not in page and "<script>x" not in page and "<q>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("since", ["last week", "0d", "9999d"])
async def test_a_period_that_is_none_is_422(client: httpx.AsyncClient, world: World, since: str) -> None:
    for path in PATHS:
        r = await client.get(path, params={"since": since}, headers=world.auth(OPERATOR))
        assert r.status_code == 422 and r.json()["error"] == "invalid_input", r.text


async def test_the_page_script_is_served_from_this_origin(client: httpx.AsyncClient) -> None:
    r = await client.get("/insights.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/javascript")
    assert "Authorization" in r.text and "sessionStorage" in r.text


async def test_openapi_documents_the_json_for_operators(client: httpx.AsyncClient) -> None:
    spec: dict[str, Any] = (await client.get("/openapi.json")).json()
    route = spec["paths"]["/v1/insights"]["get"]
    assert {"401", "403", "422"} <= set(route["responses"]) and route["tags"] == ["insights"]
    assert [p["name"] for p in route["parameters"]] == ["since", "until"]
    assert "knowledge_gaps" in spec["components"]["schemas"]["InsightsOut"]["properties"]
