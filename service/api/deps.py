"""Request dependencies: the container, the authenticated principal, the per-user rate limit."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from billing.principal import Principal
from service.auth import InvalidToken, verify_token
from service.container import Container
from service.errors import ApiError
from service.metrics import Metrics
from service.ratelimit import TokenBucket

bearer = HTTPBearer(auto_error=False, description="HS256 JWT with `sub` = the user's e-mail "
                                                   "(`portal-agent token --as EMAIL`)")
UNAUTHENTICATED = {"WWW-Authenticate": "Bearer"}


def get_container(request: Request) -> Container:
    return request.app.state.container


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics


def rate_limit(request: Request, key: str) -> None:
    bucket: TokenBucket = request.app.state.rate_limiter
    wait = bucket.take(key)
    if wait:
        request.app.state.metrics.rate_limited.inc()
        raise ApiError(429, "Too many requests; please slow down and try again shortly.",
                       headers={"Retry-After": bucket.retry_after(wait)}, retry_after_seconds=round(wait, 1))


def current_principal(request: Request, container: Annotated[Container, Depends(get_container)],
                      credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    """The acting user, from the bearer token only; unknown users are refused like bad tokens.

    A sync dependency: FastAPI runs it in the threadpool, so the database check never blocks the loop.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "Sign in first: send `Authorization: Bearer <token>`.", headers=UNAUTHENTICATED)
    try:
        email = verify_token(credentials.credentials, container.settings.portal_secret_key)
    except InvalidToken:
        raise ApiError(401, "The token is invalid or expired; get a new one.", headers=UNAUTHENTICATED) from None
    principal = Principal(email, "web")
    container.billing.require_user(principal)  # raises UnknownUser (401) for a signed token naming no portal user
    request.state.user = principal.email
    rate_limit(request, principal.email)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
AppContainer = Annotated[Container, Depends(get_container)]
AppMetrics = Annotated[Metrics, Depends(get_metrics)]
