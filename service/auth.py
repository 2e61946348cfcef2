"""Bearer tokens: HS256 JWTs whose `sub` is the portal user's e-mail."""
from __future__ import annotations

import datetime as dt

import jwt

ALGORITHM = "HS256"


class InvalidToken(Exception):
    """Missing, malformed, tampered, expired or otherwise unacceptable token."""


def issue_token(email: str, secret: str, ttl: dt.timedelta = dt.timedelta(hours=8)) -> str:
    now = dt.datetime.now(dt.timezone.utc)
    return jwt.encode({"sub": email.strip().lower(), "iat": now, "exp": now + ttl}, secret, algorithm=ALGORITHM)


def verify_token(token: str, secret: str) -> str:
    """The e-mail in a valid token; only HS256 is accepted (never `alg=none`)."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["sub", "exp"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    sub = claims.get("sub")
    if not isinstance(sub, str) or "@" not in sub:
        raise InvalidToken("the token has no user")
    return sub.lower()
