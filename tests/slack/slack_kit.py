"""Slack test kit: a local Slack Web API stub, signed deliveries and a scripted-model world: a migrated
SQLite demo world and a FastAPI app with only `mount_slack` on it, driven through httpx's ASGI
transport (same event loop as the stub)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from aiohttp import web
from aiohttp.test_utils import TestServer
from fastapi import FastAPI
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text

from agent.runner import Runner
from agent.scripted import ScriptedChatModel
from agent.store import ConversationStore
from billing.demo import seed_demo
from bootstrap.container import Container, build_container
from bootstrap.settings import Settings
from service.slack import mount_slack
from service.slack.identity import SlackLinks

SECRET = "test-signing-secret-0123456789abcdef"
TEAM, BOT_USER = "T0ACME", "UBOT"
ALICE, BOB, ERIN_UNLINKED = "UALICE", "UBOB", "UERIN"
CHANNEL, DM = "C0BILLING", "D0ALICE"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float  # time.monotonic() when the stub received it
    response: dict[str, Any]


@dataclass
class SlackStub:
    """Answers like slack.com/api/* and records every call (method, arguments, time)."""

    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # users.info answers
    _ts: Any = field(default_factory=lambda: itertools.count(1))
    server: TestServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._handle)
        app.router.add_get("/api/{method}", self._handle)
        app.router.add_post("/response/{id}", self._respond)  # interactions' response_url
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        response = self._answer(method, args)
        self.calls.append(Call(method, args, time.monotonic(), response))
        return web.json_response(response)

    @property
    def response_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/response/1"))

    async def _respond(self, request: web.Request) -> web.Response:
        args = await request.json()
        self.calls.append(Call("response_url", args, time.monotonic(), {"ok": True}))
        return web.Response(text="ok")

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "portal",
                "team_id": TEAM,
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
            }
        if method == "chat.postMessage":
            ts = f"1800000000.{next(self._ts):06d}"
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": {"ts": ts, **args}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1800000000.{next(self._ts):06d}"}
        if method == "users.info":
            user = self.users.get(args.get("user", ""))
            return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
        return {"ok": True}

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def posts(self) -> list[Call]:
        return self.of("chat.postMessage")

    @property
    def private(self) -> list[Call]:
        """Ephemeral messages that carry blocks (links, confirmation cards), not one-line notices."""
        return [c for c in self.of("chat.postEphemeral") if c.args.get("blocks")]

    def seen_by_channel(self) -> str:
        """Everything posted where every channel member can read it (messages and their updates)."""
        return json.dumps([c.args for c in self.calls if c.method in ("chat.postMessage", "chat.update")])

    async def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.monotonic() + timeout
        while len(self.of(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} {method} call(s), got {self.of(method)}")
            await asyncio.sleep(0.01)
        return self.of(method)


def signed_headers(
    body: str, *, secret: str = SECRET, timestamp: int | None = None, content_type: str = "application/json"
) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, "Content-Type": content_type}


def event_body(event: dict[str, Any], event_id: str, team: str = TEAM) -> str:
    return json.dumps(
        {
            "token": "legacy",
            "team_id": team,
            "api_app_id": "A0PORTAL",
            "type": "event_callback",
            "event": event,
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}],
        }
    )


def mention(
    text: str, ts: str, *, user: str = ALICE, channel: str = CHANNEL, thread_ts: str | None = None, team: str = TEAM
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "team": team,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    text: str,
    ts: str,
    *,
    user: str = ALICE,
    channel: str = CHANNEL,
    thread_ts: str | None = None,
    channel_type: str = "channel",
    team: str = TEAM,
) -> dict[str, Any]:
    event = {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "team": team,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def click_body(
    post: Call,
    button_action_id: str,
    *,
    user: str,
    team: str = TEAM,
    response_url: str = "https://hooks.slack.test/actions/1",
) -> str:
    """The form-encoded `payload=` Slack sends when `user` presses a button of a posted message (a channel
    message, or an ephemeral one: then Slack sends no copy of the message, and replacing it goes through
    `response_url`)."""
    blocks = post.args["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    actions = next(
        b for b in blocks if b["type"] == "actions" and any(e["action_id"] == button_action_id for e in b["elements"])
    )
    button = next(e for e in actions["elements"] if e["action_id"] == button_action_id)
    ephemeral = post.method == "chat.postEphemeral"
    ts = post.response.get("ts") or post.response["message_ts"]
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": team, "domain": "acme"},
        "user": {"id": user, "team_id": team},
        "api_app_id": "A0PORTAL",
        "token": "legacy",
        "trigger_id": "123.456.abc",
        "response_url": response_url,
        "container": {
            "type": "message",
            "message_ts": ts,
            "channel_id": post.args["channel"],
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": post.args["channel"], "name": "billing"},
        "actions": [
            {
                "type": "button",
                "action_id": button_action_id,
                "block_id": actions["block_id"],
                "value": button["value"],
                "action_ts": "1800000001.000001",
                "text": button["text"],
            }
        ],
    }
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "ts": ts,
            "thread_ts": post.args.get("thread_ts"),
            "text": post.args["text"],
            "blocks": blocks,
            "user": BOT_USER,
            "bot_id": "B0BOT",
        }
    return urlencode({"payload": json.dumps(payload)})


async def deliver(client: httpx.AsyncClient, body: str, **headers: str) -> httpx.Response:
    return await client.post("/slack/events", content=body, headers={**signed_headers(body), **headers})


async def click(client: httpx.AsyncClient, body: str) -> httpx.Response:
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    return await client.post("/slack/events", content=body, headers=headers)


def block_texts(blocks: list[dict[str, Any]]) -> str:
    """All the text of a message's blocks, for assertions."""
    out: list[str] = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        out += [e.get("text", "") for e in b.get("elements", []) if isinstance(e.get("text"), str)]
    return "\n".join(out)


@dataclass
class FakePassage:
    title: str
    source: str
    heading: str
    text: str
    score: float


class FakeKnowledge:
    """Stands in for the Chroma retriever: always returns the same passage."""

    def search(self, query: str, k: int = 4) -> list[FakePassage]:
        return [
            FakePassage(
                "Paying invoices",
                "knowledge/docs/paying-invoices.md",
                "Pay Now by card",
                "Open the invoice and choose Pay Now.",
                0.91,
            )
        ]


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "portal_data_dir": data_dir,
        "slack_signing_secret": SECRET,
        "slack_bot_token": "xoxb-test-token",
        "portal_public_url": "https://portal.example",
        "slack_trusted_team_ids": "",
        **overrides,
    }
    return Settings(_env_file=None, **values)


@dataclass
class SlackWorld:
    container: Container
    model: ScriptedChatModel
    stub: SlackStub
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def bot(self) -> Any:
        return self.app.state.slack_bot

    def script(self, *steps: Any) -> None:
        self.model.steps.extend(steps)

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.container.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()


@asynccontextmanager
async def slack_world(tmp_path: Path, stub: SlackStub, **overrides: Any) -> AsyncIterator[SlackWorld]:
    """The demo world with Alice and Bob linked, a scripted model, and the app with `mount_slack`."""
    container = build_container(make_settings(tmp_path, **overrides))
    clock = container.billing.clock
    seed_demo(container.billing.uow_factory, clock.today(), clock.now())
    model = ScriptedChatModel()
    # The runner is built by hand (not build_runner) so no real model back end is ever constructed.
    container._runner = Runner(
        container.billing,
        ConversationStore(container.engine),
        container.links,
        model=model,
        fallback=None,
        knowledge=FakeKnowledge(),
    )
    links = SlackLinks(container.engine)
    links.link(ALICE, "alice@acme.example", "cli")
    links.link(BOB, "bob@acme.example", "cli")
    app = FastAPI()
    mount_slack(app, container, client=AsyncWebClient(token="xoxb-test-token", base_url=stub.base_url))
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as client:
            world = SlackWorld(container, model, stub, app, client)
            yield world
            await world.bot.idle()
    finally:
        container.engine.dispose()
