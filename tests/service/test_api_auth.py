"""Authentication (401), authorization (403) and rate limiting (429) at the HTTP edge."""

from __future__ import annotations

import base64
import datetime as dt
import json

import jwt
import pytest
from service_kit import SECRET, USERS


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _claims(email: str = USERS["alice"], minutes: int = 30) -> dict:
    now = dt.datetime.now(dt.UTC)
    return {"sub": email, "iat": now, "exp": now + dt.timedelta(minutes=minutes)}


def bad_tokens(world) -> dict[str, str]:
    good = world.token("alice")
    header, payload, sig = good.split(".")
    forged_payload = _b64({"sub": USERS["carol"], "exp": 4102444800})
    return {
        "malformed": "not-a-jwt",
        "alg_none": jwt.encode(_claims(), key=None, algorithm="none"),
        "alg_none_handmade": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "expired": world.token("alice", ttl=dt.timedelta(seconds=-5)),
        "tampered_payload": f"{header}.{forged_payload}.{sig}",
        "tampered_signature": f"{header}.{payload}.{sig[:-3]}{'AAA' if sig[-3:] != 'AAA' else 'BBB'}",
        "wrong_secret": jwt.encode(_claims(), "another-secret-another-secret-1234", algorithm="HS256"),
        "hs512": jwt.encode(_claims(), SECRET, algorithm="HS512"),
        "no_sub": jwt.encode({"exp": _claims()["exp"]}, SECRET, algorithm="HS256"),
        "unknown_user": jwt.encode(_claims("mallory@nowhere.example"), SECRET, algorithm="HS256"),
    }


async def test_no_token_is_401_json_with_challenge(client):
    r = await client.get("/v1/me")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["error"] == "unauthenticated" and "Bearer" in r.json()["message"]


async def test_basic_scheme_is_401(client):
    r = await client.get("/v1/me", headers={"Authorization": "Basic YWxpY2U6cHc="})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "case",
    [
        "malformed",
        "alg_none",
        "alg_none_handmade",
        "expired",
        "tampered_payload",
        "tampered_signature",
        "wrong_secret",
        "hs512",
        "no_sub",
        "unknown_user",
    ],
)
async def test_unacceptable_tokens_are_401(client, world, case):
    token = bad_tokens(world)[case]
    for path in ("/v1/me", "/v1/invoices"):
        r = await client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, (case, path, r.text)
        body = r.json()
        assert body["message"] and "error" in body
        assert "carol" not in r.text  # a forged identity never leaks into the answer
    r = await client.post("/v1/conversations", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


async def test_valid_token_identifies_the_user(client, world):
    r = await client.get("/v1/me", headers=world.auth("alice"))
    assert r.status_code == 200 and r.json()["email"] == USERS["alice"]


async def test_reseller_gets_403_on_billing_data_but_may_chat(client, world):
    h = world.auth("dave")
    me = await client.get("/v1/me", headers=h)
    assert me.status_code == 200 and me.json()["reseller"] is True and me.json()["contracts"] == []
    for path in (
        "/v1/contracts",
        "/v1/invoices",
        "/v1/contracts/C-1001",
        "/v1/invoices/INV-1001",
        "/v1/invoices/INV-1001/pdf",
        "/v1/contracts/C-1001/users",
        "/v1/contracts/C-1001/signed-quote",
    ):
        r = await client.get(path, headers=h)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["kind"] == "forbidden" and "resellers" in r.json()["message"]
    conv = await client.post("/v1/conversations", headers=h)
    assert conv.status_code == 201


async def test_user_without_contracts_sees_nothing(client, world):
    h = world.auth("erin")
    assert (await client.get("/v1/contracts", headers=h)).json() == []
    assert (await client.get("/v1/invoices", headers=h)).json() == []
    assert (await client.get("/v1/invoices/INV-1001", headers=h)).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"portal_rate_limit_per_minute": 1, "portal_rate_limit_burst": 3}])
async def test_rate_limit_is_per_user_429_with_retry_after(client, world, settings_overrides):
    alice, bob = world.auth("alice"), world.auth("bob")
    codes = [(await client.get("/v1/me", headers=alice)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = await client.get("/v1/invoices", headers=alice)
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) >= 1
    assert r.json()["error"] == "rate_limited" and r.json()["message"]
    assert (await client.get("/v1/me", headers=bob)).status_code == 200  # another user's bucket is full
    metrics = (await client.get("/metrics")).text
    assert "portal_rate_limited_total 2.0" in metrics
