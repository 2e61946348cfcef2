"""Finding 10: JWTs had no maximum lifetime and no iat/aud/iss check, a string `exp` and a 200 KB token
were accepted, one secret signed tokens and links, and identity-provider tokens (RS256/ES256 against
the portal's JWKS) were not supported."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from skit import served

from service.auth import tokens_for
from tests.service.service_kit import SECRET
from tools.links import LinkSigner

ALICE = "alice@acme.example"
ISSUER, AUDIENCE = "https://idp.portal.example/", "portal-agent"


def _now() -> int:
    return int(time.time())


def _hs(claims: dict, key: str = SECRET) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


async def _status(client, token: str) -> int:
    return (await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code


BAD_HS256 = {
    "string exp": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": str(_now() + 600)}),
    "string iat": lambda: _hs({"sub": ALICE, "iat": str(_now()), "exp": _now() + 600}),
    "boolean iat": lambda: _hs({"sub": ALICE, "iat": True, "exp": _now() + 600}),
    "no iat": lambda: _hs({"sub": ALICE, "exp": _now() + 600}),
    "iat in the future": lambda: _hs({"sub": ALICE, "iat": _now() + 3600, "exp": _now() + 7200}),
    "lives 30 days": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 30 * 86400}),
    "lives 9 hours": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 9 * 3600}),
    "16 KB": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 600, "pad": "x" * 12_000}),
    "signed with the link key": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 600}, key=_link_key()),
    "an audience nobody configured": lambda: _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 600, "aud": "x"}),
}


def _link_key() -> str:
    from bootstrap.settings import Settings

    return Settings(_env_file=None, portal_secret_key=SECRET).link_key


@pytest.mark.parametrize("case", list(BAD_HS256))
async def test_unacceptable_hs256_tokens_are_401(tmp_path, case):
    async with served(tmp_path, portal_env="production") as (world, client):
        assert await _status(client, BAD_HS256[case]()) == 401
        assert await _status(client, world.token("alice")) == 200  # the service's own tokens still work


async def test_a_200_kb_token_never_reaches_verification(tmp_path):
    async with served(tmp_path, portal_env="production") as (_, client):
        huge = _hs({"sub": ALICE, "iat": _now(), "exp": _now() + 600, "pad": "x" * 200_000})
        assert await _status(client, huge) == 431  # the header limit refuses it before any route


async def test_links_and_tokens_have_different_keys(tmp_path):
    async with served(tmp_path, portal_env="production") as (world, client):
        assert world.container.links.secret != world.settings.portal_secret_key
        old_style = LinkSigner(world.settings.portal_secret_key).path("invoice_pdf", "INV-1001", ALICE)
        assert (await client.get(old_style)).status_code == 404
        assert (await client.get(world.container.links.path("invoice_pdf", "INV-1001", ALICE))).status_code == 200


async def test_issuer_and_audience_are_checked_when_configured(tmp_path):
    async with served(
        tmp_path, portal_env="production", portal_token_issuer=ISSUER, portal_token_audience=AUDIENCE
    ) as (world, client):
        base = {"sub": ALICE, "iat": _now(), "exp": _now() + 600}
        assert await _status(client, _hs({**base, "iss": ISSUER, "aud": AUDIENCE})) == 200
        for claims in (
            base,
            {**base, "iss": ISSUER},
            {**base, "aud": AUDIENCE},
            {**base, "iss": "x", "aud": AUDIENCE},
            {**base, "iss": ISSUER, "aud": "another-app"},
        ):
            assert await _status(client, _hs(claims)) == 401, claims
        assert (
            await _status(client, tokens_for(world.container.settings).issue(ALICE)) == 200
        )  # the CLI's tokens carry both


class _Keys:
    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self) -> dict:
        rsa_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key()))
        ec_jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key()))
        return {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"},
            ]
        }

    def token(self, alg: str = "RS256", kid: str = "rsa-1", key=None, **claims) -> str:
        payload = {"sub": ALICE, "iat": _now(), "exp": _now() + 600, "iss": ISSUER, "aud": AUDIENCE, **claims}
        key = key or (self.rsa if alg == "RS256" else self.ec)
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


@pytest.fixture(scope="module")
def keys() -> _Keys:
    return _Keys()


@pytest.fixture
def jwks_server(keys):
    """The identity provider's JWKS on this machine (a loopback HTTP server)."""
    body = json.dumps(keys.jwks()).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.mark.parametrize("source", ["http", "file"])
async def test_identity_provider_tokens_are_verified_against_the_jwks(tmp_path, keys, jwks_server, source):
    if source == "file":
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps(keys.jwks()))
        url = path.as_uri()
    else:
        url = jwks_server
    idp = {
        "portal_env": "production",
        "portal_jwks_url": url,
        "portal_token_issuer": ISSUER,
        "portal_token_audience": AUDIENCE,
    }
    async with served(tmp_path / "w", **idp) as (world, client):
        assert await _status(client, keys.token("RS256")) == 200
        assert await _status(client, keys.token("ES256", kid="ec-1")) == 200
        refused = {
            "unknown key": keys.token("RS256", key=keys.other),
            "unknown kid": keys.token("RS256", kid="rsa-9"),
            "RS256 signed, ES256 key named": keys.token("RS256", kid="ec-1"),
            "wrong audience": keys.token("RS256", aud="another-app"),
            "wrong issuer": keys.token("RS256", iss="https://evil.example/"),
            "expired": keys.token("RS256", iat=_now() - 7200, exp=_now() - 3600),
            "too long-lived": keys.token("RS256", exp=_now() + 10 * 86400),
            "HS256 with the public key as secret": jwt.encode(
                {"sub": ALICE, "iat": _now(), "exp": _now() + 600, "iss": ISSUER, "aud": AUDIENCE},
                keys.rsa.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()[:64],
                algorithm="HS256",
            ),
        }
        for name, token in refused.items():
            assert await _status(client, token) == 401, name


async def test_asymmetric_tokens_are_refused_without_a_configured_jwks(tmp_path, keys):
    async with served(tmp_path, portal_env="production") as (_, client):
        assert await _status(client, keys.token("RS256")) == 401
        assert await _status(client, keys.token("ES256", kid="ec-1")) == 401


def test_a_jwks_needs_issuer_and_audience():
    from pydantic import ValidationError

    from bootstrap.settings import Settings

    with pytest.raises(ValidationError, match="PORTAL_TOKEN_ISSUER and PORTAL_TOKEN_AUDIENCE"):
        Settings(_env_file=None, portal_jwks_url="https://idp.example/jwks.json")


def test_issued_tokens_never_outlive_the_maximum():
    from service.auth import Tokens

    tokens = Tokens(SECRET, max_lifetime=dt.timedelta(minutes=30))
    claims = jwt.decode(tokens.issue(ALICE, ttl=dt.timedelta(days=7)), SECRET, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] <= 30 * 60
