"""Wiring: the Bolt app over the bot, mounted on FastAPI (HTTP) or run over Socket Mode."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from service.errors import error_response
from service.ratelimit import TokenBucket, retry_after
from service.slack.bot import SlackBot

if TYPE_CHECKING:
    from bootstrap.container import Container
    from bootstrap.settings import Settings

log = logging.getLogger("portal_agent.slack")


def slack_configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and settings.slack_bot_token)


def build_slack_app(
    container: Container, *, client: AsyncWebClient | None = None, socket_mode: bool = False
) -> tuple[AsyncApp, SlackBot]:
    """Bolt app + bot. `client` lets tests point the Web API at a local stub (`base_url=`)."""
    settings = container.settings
    client = client or AsyncWebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    # process_before_response: the listener itself only schedules (microseconds) and Slack's answer
    # follows; the de-duplication claim and the agent's work run in the bot's own tracked tasks.
    app = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret or "",
        request_verification_enabled=not socket_mode,
        process_before_response=True,
        name="portal-agent",
    )
    bot = SlackBot(container, client)
    bot.register(app)
    return app, bot


def mount_slack(app: FastAPI, container: Container, *, client: AsyncWebClient | None = None) -> None:
    """Add `POST /slack/events` (Events API and interactivity) when SLACK_SIGNING_SECRET and
    SLACK_BOT_TOKEN are both set; otherwise leave the app untouched. The bot is `app.state.slack_bot`."""
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler

    if not slack_configured(container.settings):
        log.info("Slack is off: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN to enable it")
        return
    bolt, bot = build_slack_app(container, client=client)
    handler = AsyncSlackRequestHandler(bolt)
    settings = container.settings
    verifier = SignatureVerifier(settings.slack_signing_secret or "")
    # Only requests that fail the signature check spend this (per client address): Slack's own traffic
    # is never throttled here, however busy the workspace is.
    # It stays in this process even with PORTAL_REDIS_URL: it is checked on the event loop, where a Redis
    # round trip would block every other request, and forged signatures are refused either way.
    unsigned = TokenBucket(settings.portal_client_rate_limit_per_minute, settings.portal_client_rate_limit_burst)

    async def slack_events(request: Request) -> Response:
        """Slack Events API and interactivity (signed by Slack; answered within 3 seconds)."""
        refused = await _refusal(request, verifier, unsigned)
        return refused if refused is not None else await handler.handle(request)

    app.add_api_route("/slack/events", slack_events, methods=["POST"], tags=["slack"], summary="Slack events")
    app.state.slack_bot = bot


async def run_socket_mode(container: Container) -> None:
    """Socket Mode: Slack delivers over a WebSocket the app opens, so no public URL is needed."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    settings = container.settings
    if not (settings.slack_bot_token and settings.slack_app_token):
        raise ValueError("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…)")
    bolt, bot = build_slack_app(container, socket_mode=True)
    handler = AsyncSocketModeHandler(bolt, settings.slack_app_token)
    try:
        await handler.start_async()
    finally:
        await bot.idle()


async def _refusal(request: Request, verifier: SignatureVerifier, unsigned: TokenBucket) -> JSONResponse | None:
    """400 for a malformed timestamp, 401 for a bad or stale signature (429 once an address keeps
    sending them); None when the request is Slack's, for Bolt to handle (it verifies again)."""
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    if timestamp and (not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12):
        return error_response(400, "X-Slack-Request-Timestamp must be a Unix time in seconds.")
    body = (await request.body()).decode("utf-8", "replace")
    if timestamp and verifier.is_valid(
        body=body, timestamp=timestamp, signature=request.headers.get("x-slack-signature", "")
    ):
        return None
    wait = unsigned.take(request.client.host if request.client else "unknown")
    if wait:
        return error_response(429, "Too many unsigned requests.", headers={"Retry-After": retry_after(wait)})
    return error_response(401, "The request is not signed by Slack.")
