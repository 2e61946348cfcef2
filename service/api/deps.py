"""Request dependencies: the container, the authenticated principal, the rate limits (per user, and per
client address for requests that name no user)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from billing.errors import UnknownUser
from billing.principal import Principal
from bootstrap.container import Container
from service.auth import InvalidToken, Tokens
from service.errors import ApiError
from service.metrics import Metrics
from service.ratelimit import RateLimiter, retry_after

bearer = HTTPBearer(
    auto_error=False, description="HS256 JWT with `sub` = the user's e-mail (`portal-agent token --as EMAIL`)"
)
UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


# The three accessors below only read the app's state: `async` so FastAPI calls them on the event loop. A plain
# `def` dependency is run in the threadpool, a hop there and back (~60 µs of CPU, a wake-up of each side) for
# each of them on every request (BENCHMARKS.md, session 6).
async def app_container(request: Request) -> Container:
    """The container the app was created with (`create_app`)."""
    container: Container = request.app.state.container
    return container


async def app_tokens(request: Request) -> Tokens:
    """The deployment's bearer-token policy, built from the settings when the app was created."""
    tokens: Tokens = request.app.state.tokens
    return tokens


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def _take(request: Request, limiter: RateLimiter, key: str) -> None:
    # Sync on purpose: FastAPI runs these dependencies in its threadpool, so a Redis round trip (shared
    # limits) never blocks the event loop.
    wait = limiter.take(key)
    if wait:
        request.app.state.metrics.rate_limited.inc()
        raise ApiError(
            429,
            "Too many requests; please slow down and try again shortly.",
            headers={"Retry-After": retry_after(wait)},
            retry_after_seconds=round(wait, 1),
        )


def rate_limit(request: Request, key: str) -> None:
    """The authenticated user's bucket."""
    _take(request, request.app.state.rate_limiter, key)


def client_address(request: Request) -> str:
    """The peer address (uvicorn's proxy_headers put the client's there when a trusted proxy forwards)."""
    return request.client.host if request.client else "unknown"


def rate_limit_client(request: Request, kind: str) -> None:
    """Requests that name no user: one bucket per client address and kind (`auth`, `links`, `ops`, ...)."""
    _take(request, request.app.state.client_rate_limiter, f"{kind}:{client_address(request)}")


def limit_clients(kind: str) -> Callable[[Request], None]:
    """A route dependency: `dependencies=[Depends(limit_clients("ops"))]`."""

    def dependency(request: Request) -> None:
        rate_limit_client(request, kind)

    return dependency


def _refuse(request: Request, message: str) -> ApiError:
    """A failed sign-in costs the client address a token first: guessing is throttled, then refused."""
    rate_limit_client(request, "auth")
    return ApiError(401, message, headers=UNAUTHENTICATED)


def token_email(
    request: Request,
    tokens: Annotated[Tokens, Depends(app_tokens)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> str:
    """The e-mail a valid bearer token names (401 otherwise); whether it is anyone is for the caller."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _refuse(request, "Sign in first: send `Authorization: Bearer <token>`.")
    try:
        return tokens.verify(credentials.credentials)
    except InvalidToken:
        raise _refuse(request, "The token is invalid or expired; get a new one.") from None


def current_principal(
    request: Request,
    container: Annotated[Container, Depends(app_container)],
    tokens: Annotated[Tokens, Depends(app_tokens)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The acting user, from the bearer token only; unknown users are refused like bad tokens.

    A sync dependency: FastAPI runs it in the threadpool, so the database check (and a JWKS fetch) never
    blocks the loop. The token is checked in the same call, not as a dependency of its own: one hop to the
    threadpool per request instead of two.
    """
    principal = Principal(token_email(request, tokens, credentials), "web")
    try:
        container.billing.require_user(principal)
    except UnknownUser:  # a validly signed token naming no portal user: the same answer as a bad token
        raise _refuse(request, "The token is invalid or expired; get a new one.") from None
    request.state.user = principal.email
    rate_limit(request, principal.email)
    return principal


def current_operator(
    request: Request,
    container: Annotated[Container, Depends(app_container)],
    tokens: Annotated[Tokens, Depends(app_tokens)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """An operator (PORTAL_OPERATOR_EMAILS), from the bearer token only: 403 for anyone else, portal users
    included. An operator need not be a portal user, so the portal's user table is not asked."""
    email = token_email(request, tokens, credentials)  # in this call, as for `current_principal`
    request.state.user = email
    rate_limit(request, email)  # before the answer: a customer probing the operators' pages is throttled too
    if email not in container.settings.operator_emails:
        raise ApiError(403, "Only operators can see this: ask for your e-mail to be in PORTAL_OPERATOR_EMAILS.")
    return Principal(email, "web")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
Operator = Annotated[Principal, Depends(current_operator)]
AppContainer = Annotated[Container, Depends(app_container)]
AppTokens = Annotated[Tokens, Depends(app_tokens)]
AppMetrics = Annotated[Metrics, Depends(get_metrics)]
