"""Slack acknowledgement time (not a test): bursts of concurrent signed Events API deliveries.

    .venv/bin/python -m bench.bench_slack [--concurrent 50] [--rounds 4] [--no-write]

`portal-agent serve` (Slack mounted: signing secret and bot token set) runs as its own process, as
in production, with the Slack Web API pointed at a local stub (SLACK_API_URL) and the model at the
mock (200 ms per request, its own process). Each round posts `--concurrent` signed `app_mention` events from linked users at once; the
ack time is the HTTP response time Slack would see (it retries after 3 s). The agent's turns run after
the ack, so later rounds are acknowledged while earlier turns still run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bench.common import (
    ALICE,
    ROOT,
    Row,
    UvicornThread,
    append_section,
    env_for,
    free_port,
    limit_row,
    median,
    parse_bench_args,
    pct,
    seed_world,
    settings_for,
    subprocess_server,
)

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
TEAM, BOT_USER, CHANNEL = "T0BENCH", "UBOT", "C0BILLING"
ACK_LIMIT_MS = 3000.0  # Slack's deadline for an answer


def slack_stub() -> tuple[Starlette, list[str]]:
    """A Starlette app answering like slack.com/api/*; records the methods called."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    calls: list[str] = []

    async def api(request: Request) -> JSONResponse:
        method = request.path_params["method"]
        calls.append(method)
        if method == "auth.test":
            return JSONResponse({"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BOT"})
        if method == "chat.postMessage":
            return JSONResponse({"ok": True, "ts": f"{time.time():.6f}"})
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/api/{method}", api, methods=["GET", "POST"])]), calls


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SIGNING_SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, "Content-Type": "application/json"}


def event(i: int, user: str) -> str:
    ts = f"1800000000.{i:06d}"
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM,
            "api_app_id": "A0PORTAL",
            "type": "event_callback",
            "event_id": f"Ev{i:08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM, "user_id": BOT_USER, "is_bot": True}],
            "event": {
                "type": "app_mention",
                "user": user,
                "text": f"<@{BOT_USER}> show me invoice INV-1001",
                "ts": ts,
                "event_ts": ts,
                "channel": CHANNEL,
                "team": TEAM,
            },
        }
    )


async def burst(base: str, start: int, n: int) -> list[float]:
    async with httpx.AsyncClient(
        base_url=base, timeout=30, limits=httpx.Limits(max_connections=n, max_keepalive_connections=n)
    ) as client:

        async def one(i: int) -> float:
            body = event(start + i, f"U{i:04d}")
            t = time.perf_counter()
            r = await client.post("/slack/events", content=body, headers=signed(body))
            r.raise_for_status()
            return time.perf_counter() - t

        return list(await asyncio.gather(*(one(i) for i in range(n))))


def run(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    from bootstrap.container import build_container
    from service.slack.identity import SlackLinks

    stub_app, calls = slack_stub()
    with tempfile.TemporaryDirectory(prefix="bench-slack-") as tmp, UvicornThread(stub_app) as stub:
        data_dir = Path(tmp)
        mock_port, port = free_port(), free_port()
        mock = f"http://127.0.0.1:{mock_port}/v1"
        settings = settings_for(
            data_dir,
            f"sqlite:///{data_dir / 'portal.db'}",
            portal_llm="openai",
            openai_base_url=mock,
            openai_api_key="bench",
            slack_signing_secret=SIGNING_SECRET,
            slack_bot_token="xoxb-bench",
            slack_api_url=stub + "/api/",
            portal_public_url=f"http://127.0.0.1:{port}",
        )
        container = build_container(settings)
        seed_world(container, 0)
        links = SlackLinks(container.engine)
        for i in range(args.concurrent):
            links.link(f"U{i:04d}", ALICE, "bench", TEAM)
        container.engine.dispose()
        env, py = env_for(settings), str(ROOT / ".venv" / "bin" / "python")
        acks: list[float] = []
        with (
            subprocess_server(
                [py, "-m", "bench.mock_model", "--port", str(mock_port), "--latency-ms", str(args.latency_ms)],
                env,
                mock.removesuffix("/v1") + "/stats",
            ),
            subprocess_server(
                [str(ROOT / ".venv" / "bin" / "portal-agent"), "serve", "--port", str(port), "--log-level", "warning"],
                env,
                f"http://127.0.0.1:{port}/healthz",
            ),
        ):
            base = f"http://127.0.0.1:{port}"
            for r in range(args.rounds + 1):  # round 0 warms up (connections, Bolt's auth.test)
                got = asyncio.run(burst(base, r * args.concurrent, args.concurrent))
                if r:
                    acks += got
                time.sleep(args.gap)
            expected = args.rounds * args.concurrent + args.concurrent
            deadline = time.monotonic() + 120
            while calls.count("chat.postMessage") < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            answered = calls.count("chat.postMessage")
    rows = [
        limit_row(
            f"p99 ack time, {args.concurrent} concurrent signed events (n={len(acks)})",
            pct(acks, 99) * 1000,
            ACK_LIMIT_MS,
            " ms",
            fmt="{:.0f}",
        ),
        Row("median / max ack time", f"{median(acks) * 1000:.0f} ms / {max(acks) * 1000:.0f} ms"),
        Row(
            "events answered in the thread (chat.postMessage)",
            f"{answered} / {expected}",
            f"{expected}",
            None,
            answered >= expected,
        ),
    ]
    notes = [
        f"{args.rounds} measured bursts of {args.concurrent} after one warm-up burst, {args.gap:.1f} s apart; "
        f"turns run after the ack against the mock model ({args.latency_ms:.0f} ms per request); SQLite; "
        "`portal-agent serve` and the mock model in their own processes, the Slack Web API stub and the "
        "sender in the benchmark's"
    ]
    return rows, notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--gap", type=float, default=1.0)
    parser.add_argument("--latency-ms", type=float, default=200.0)
    args = parse_bench_args(parser)
    rows, notes = run(args)
    append_section("Slack acknowledgement", "python -m bench.bench_slack " + " ".join(sys.argv[1:]), rows, notes)


if __name__ == "__main__":
    main()
