"""Bearer tokens: JWTs naming the portal user's e-mail.

Two kinds are accepted:
- HS256, signed with PORTAL_SECRET_KEY: `portal-agent token`, the development picker, or a portal
  that shares the secret.
- RS256 / ES256, signed by the portal's identity provider and verified against its JWKS
  (PORTAL_JWKS_URL: an https:// URL, or file:///path for a key set deployed with the service; issuer
  and audience are then required).

Every token must carry numeric `iat` and `exp`, live no longer than PORTAL_TOKEN_MAX_LIFETIME_MINUTES,
fit in MAX_TOKEN_CHARS, and match PORTAL_TOKEN_ISSUER / PORTAL_TOKEN_AUDIENCE when those are set.
`alg=none`, other algorithms and an asymmetric algorithm without a configured JWKS are refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlparse

import jwt

from bootstrap.settings import Settings

if TYPE_CHECKING:
    from jwt.algorithms import AllowedPublicKeys

ALGORITHM = "HS256"
ASYMMETRIC = ("RS256", "ES256")
MAX_TOKEN_CHARS = 8192  # an identity provider's token is 1-2 KB; anything far larger is an attack
DEFAULT_TTL = dt.timedelta(hours=8)


class InvalidToken(Exception):
    """Missing, malformed, tampered, expired or otherwise unacceptable token."""


def issue_token(
    email: str, secret: str, ttl: dt.timedelta = DEFAULT_TTL, *, issuer: str | None = None, audience: str | None = None
) -> str:
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, object] = {"sub": email.strip().lower(), "iat": now, "exp": now + ttl}
    if issuer:
        claims["iss"] = issuer
    if audience:
        claims["aud"] = audience
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def _numeric(claims: Mapping[str, object], name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken(f"the `{name}` claim must be a number")
    return float(value)


class KeySet(Protocol):
    """Where the identity provider's public keys come from (a JWKS URL, or a file deployed with the service)."""

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK: ...


@dataclass
class FileJwks:
    """A JWKS kept in a file (re-read on each lookup: it is small, and a rotated file takes effect at once)."""

    path: Path

    def get_signing_key_from_jwt(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        for key in jwt.PyJWKSet.from_json(self.path.read_text(encoding="utf-8")).keys:
            if kid is not None and key.key_id == kid:
                return key
        raise jwt.PyJWKClientError("no key in the JWKS matches the token's kid")


def jwks_client(url: str) -> KeySet:
    if url.startswith("file:"):
        return FileJwks(Path(unquote(urlparse(url).path)))
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5)  # keys cached, re-fetched on a new kid


@dataclass
class Tokens:
    """Issues HS256 tokens and verifies every accepted kind with one policy."""

    secret: str
    issuer: str | None = None
    audience: str | None = None
    max_lifetime: dt.timedelta = DEFAULT_TTL
    jwks_url: str | None = None
    email_claim: str = "sub"
    _jwks: KeySet | None = field(default=None, repr=False)

    def issue(self, email: str, ttl: dt.timedelta | None = None) -> str:
        ttl = min(ttl or DEFAULT_TTL, self.max_lifetime)
        return issue_token(email, self.secret, ttl, issuer=self.issuer, audience=self.audience)

    def verify(self, token: str) -> str:
        """The lower-cased e-mail of a valid token; raises `InvalidToken` otherwise."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidToken("the token is empty or too large")
        try:
            key, algorithm = self._key_for(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": self._required()},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        self._check_lifetime(claims)
        email = claims.get(self.email_claim)
        if not isinstance(email, str) or "@" not in email:
            raise InvalidToken("the token has no user")
        return email.strip().lower()

    def _required(self) -> list[str]:
        return ["exp", "iat", self.email_claim] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])

    def _key_for(self, token: str) -> tuple[AllowedPublicKeys | str, str]:
        algorithm = jwt.get_unverified_header(token).get("alg")
        if algorithm == ALGORITHM:
            return self.secret, ALGORITHM
        if algorithm in ASYMMETRIC and self.jwks_url:
            signing_key = self._jwks_client().get_signing_key_from_jwt(token)
            if getattr(signing_key, "algorithm_name", algorithm) != algorithm:
                raise jwt.InvalidAlgorithmError("the key in the JWKS is not for this algorithm")
            public_key: AllowedPublicKeys = signing_key.key
            return public_key, algorithm
        raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not accepted")

    def _jwks_client(self) -> KeySet:
        if self._jwks is None:
            self._jwks = jwks_client(self.jwks_url or "")
        return self._jwks

    def _check_lifetime(self, claims: Mapping[str, object]) -> None:
        issued, expires = _numeric(claims, "iat"), _numeric(claims, "exp")
        if expires - issued > self.max_lifetime.total_seconds():
            raise InvalidToken("the token lives longer than the accepted maximum")


def tokens_for(settings: Settings) -> Tokens:
    """The token policy of a deployment (bootstrap/settings.py)."""
    return Tokens(
        settings.portal_secret_key,
        settings.portal_token_issuer,
        settings.portal_token_audience,
        dt.timedelta(minutes=settings.portal_token_max_lifetime_minutes),
        settings.portal_jwks_url,
        settings.portal_token_email_claim,
    )
