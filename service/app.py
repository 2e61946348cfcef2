"""The FastAPI application: chat API (JSON + SSE), portal reads, signed downloads and the card form,
the chat widget, health and metrics. OpenAPI at /docs.

`create_app()` is the factory (`uvicorn --factory service.app:create_app`, or `portal-agent serve`);
tests pass their own container (temporary database, scripted model). Endpoints that touch the
database or the runner are sync functions, so FastAPI runs them in its threadpool; the SSE turn
runs in a worker thread of its own (service/api/sse.py). The event loop never blocks on either.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from agent.runner import Runner
from bootstrap.container import Container, get_container
from bootstrap.settings import Settings
from service.api import chat, insights, links, ops, portal, slack_links, web
from service.api.docs import install_docs
from service.auth import tokens_for
from service.edge import EdgeMiddleware
from service.errors import install_error_handlers
from service.health import Check
from service.metrics import Metrics
from service.metrics_multiproc import mark_this_process_dead
from service.middleware import RequestContextMiddleware
from service.ratelimit import RateLimiter, TokenBucket
from service.tracing import instrument

DESCRIPTION = """Billing Portal assistant API (SPEC section 4).

Authenticate with `Authorization: Bearer <token>`: a JWT whose `sub` is the user's e-mail, HS256
(`portal-agent token --as EMAIL`) or RS256/ES256 from the portal's identity provider (PORTAL_JWKS_URL).
Errors are JSON `{"error", "message", ...}`: 401 no/invalid token
or unknown user, 403 no access to billing data (partners/resellers) or not an operator (insights),
404 unknown or not yours (identical answers), 409 pending action already decided or expired, 410 expired download link,
413 body too large, 422 invalid input or a business rule refusing the request as given,
429 rate limited (per user; requests naming no user per client address; `Retry-After`),
431 request headers too large."""


def create_app(container: Container | None = None, *, readiness_checks: dict[str, Check] | None = None) -> FastAPI:
    container = container or get_container()
    settings = container.settings
    dev = settings.is_development
    app = FastAPI(
        title="Portal Agent",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,  # /docs is served from local assets (service/api/docs.py)
        openapi_tags=[
            {"name": "chat"},
            {"name": "portal"},
            {"name": "downloads"},
            {"name": "widget"},
            {"name": "operations"},
            {"name": "insights", "description": "Operators only (PORTAL_OPERATOR_EMAILS)"},
        ]
        + ([{"name": "development only"}] if dev else []),
    )
    app.state.container = container
    app.state.tokens = tokens_for(settings)
    app.state.metrics = metrics = Metrics()
    app.state.rate_limiter = rate_limiter(
        settings, metrics, "user", settings.portal_rate_limit_per_minute, settings.portal_rate_limit_burst
    )
    # Requests that name no user (bad tokens, links, health, the dev token route, unsigned Slack calls) are
    # limited per client address, in buckets of their own: a link holder cannot throttle the link's owner.
    app.state.client_rate_limiter = rate_limiter(
        settings,
        metrics,
        "client",
        settings.portal_client_rate_limit_per_minute,
        settings.portal_client_rate_limit_burst,
    )
    app.state.readiness_checks = readiness_checks
    install_error_handlers(app)
    for router in (
        chat.router,
        portal.router,
        links.router,
        slack_links.router,
        ops.router,
        web.router,
        insights.router,
    ):
        app.include_router(router)
    install_docs(app)
    if dev:
        app.include_router(web.dev_router)
    if settings.slack_signing_secret and settings.slack_bot_token:  # POST /slack/events (service/slack)
        from service.slack.mount import mount_slack

        mount_slack(app, container)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(EdgeMiddleware, development=dev, max_header_bytes=settings.portal_max_header_bytes)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, max_body=settings.portal_max_body_bytes)
    instrument(app)  # HTTP spans, only when a tracer provider is installed (service/tracing.py)
    return app


def rate_limiter(settings: Settings, metrics: Metrics, namespace: str, rate: float, burst: int) -> RateLimiter:
    """Shared by every worker in Redis when PORTAL_REDIS_URL is set; this process's own buckets otherwise."""
    if not settings.portal_redis_url:
        return TokenBucket(rate, burst)
    from service.ratelimit_redis import SharedRateLimiter  # redis is imported only by deployments that use it

    gauge = metrics.rate_limit_shared.labels(namespace)
    return SharedRateLimiter(
        settings.portal_redis_url,
        rate,
        burst,
        namespace,
        prefix=settings.portal_redis_prefix,
        on_shared=lambda shared: gauge.set(1 if shared else 0),
    )


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the two thread pools turns run in: sync endpoints (anyio) and SSE turns (the loop's executor);
    on shutdown, take this worker out of the multiprocess gauges."""
    threads = app.state.container.settings.portal_worker_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="portal-turn")
    asyncio.get_running_loop().set_default_executor(executor)
    try:
        yield
    finally:
        mark_this_process_dead()  # multiprocess metrics: this worker's live gauges leave the sums


def create_served_app() -> FastAPI:
    """The factory `portal-agent serve` runs in each worker: JSON logs first, tracing if asked, then the app."""
    from bootstrap.settings import get_settings
    from service.logging import configure_logging
    from service.memory import return_large_buffers
    from service.tracing import configure_tracing

    configure_logging(get_settings().portal_log_level)
    configure_tracing()  # off unless the standard OTEL_* settings ask for it (README: Tracing)
    return_large_buffers()  # before the warm-up's large batches (service/memory.py)
    app = create_app()
    log = logging.getLogger("portal_agent.app")
    try:  # build and warm the runner now, so the first chat message does not pay for it
        runner = app.state.container.runner
    except Exception:  # the chat routes will report it; health, reads and downloads still work
        log.exception("the agent runner could not be built at start-up")
        return app
    # The models and the index load beside the server's start, not before it: a first message that comes
    # sooner waits only for what it needs (each loads once, under its own lock).
    threading.Thread(target=_warm_up, args=(runner, log), name="warm-up", daemon=True).start()
    return app


def _warm_up(runner: Runner, log: logging.Logger) -> None:
    try:
        runner.warm_up()
    except Exception as exc:  # e.g. no index yet: /readyz says so; the first turn will retry
        log.warning("warm-up incomplete: %s", type(exc).__name__)


def __getattr__(name: str) -> FastAPI:
    """`service.app:app` for tools that want a module attribute; built on first access only."""
    if name == "app":
        return create_app()
    raise AttributeError(name)
