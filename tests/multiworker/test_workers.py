"""Several worker processes against one Redis and one metrics directory: a user over the limit is refused
whichever worker they reach, and /metrics from any worker counts every worker's turns. Without Redis, the
embedded default: each process limits (and counts) on its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from mwkit import free_port, once_counted, per_process, start, start_worker, stop, summed, wait_healthy, worker_env
from service_kit import World, make_world

BURST = 4
TIGHT = {"PORTAL_RATE_LIMIT_PER_MINUTE": "1", "PORTAL_RATE_LIMIT_BURST": str(BURST)}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """The demo world in a SQLite file that every worker process opens."""
    w = make_world(tmp_path)
    yield w
    w.container.engine.dispose()


def two_workers(env: dict[str, str]) -> tuple[list[int], list]:
    ports = [free_port(), free_port()]
    procs = [start_worker(port, env) for port in ports]
    try:
        wait_healthy(zip(procs, ports))
    except BaseException:
        for proc in procs:
            stop(proc)
        raise
    return ports, procs


def turn(port: int, headers: dict[str, str], conversation: str, text: str) -> None:
    r = httpx.post(
        f"http://127.0.0.1:{port}/v1/conversations/{conversation}/messages", json={"text": text}, headers=headers
    )
    assert r.status_code == 200, r.text


def conversation(port: int, headers: dict[str, str]) -> str:
    r = httpx.post(f"http://127.0.0.1:{port}/v1/conversations", headers=headers)
    assert r.status_code == 201, r.text
    return str(r.json()["conversation_id"])


def test_two_workers_share_one_limit_and_one_metrics_view(world, tmp_path, redis_url, redis_prefix):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = worker_env(
        world,
        PORTAL_REDIS_URL=redis_url,
        PORTAL_REDIS_PREFIX=redis_prefix,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        **TIGHT,
    )
    (a, b), procs = two_workers(env)
    try:
        # Alice alternates between the workers: the burst is spent once, not once per worker.
        alice = world.auth("alice")
        codes = [httpx.get(f"http://127.0.0.1:{port}/v1/me", headers=alice) for port in [a, b] * 5]
        assert [r.status_code for r in codes] == [200] * BURST + [429] * (10 - BURST)
        assert all(1 <= int(r.headers["retry-after"]) <= BURST * 60 for r in codes[BURST:])  # the window: 4 min
        # Turns on both workers, then one scrape of each sees all of them.
        for who, first, second in (("bob", a, b), ("carol", b, a)):
            headers = world.auth(who)
            conv = conversation(first, headers)
            turn(first, headers, conv, "how do I pay with pay now?")
            turn(second, headers, conv, "and how do I pay by card?")
        for port in (a, b):
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            assert summed(text, "portal_turns_total", channel="web") == 4
            assert summed(text, "portal_http_requests_total", route="/v1/me", status="429") == 10 - BURST
            assert summed(text, "portal_rate_limited_total") == 10 - BURST
            assert summed(text, "portal_rate_limit_shared", limiter="user") == 1  # livemin over both workers
        # Each worker counted only its own half: the totals above are sums, not one worker's view.
        turns = per_process(metrics_dir, "portal_turns_total")
        assert sorted(turns.values()) == [2.0, 2.0], turns
        # A worker that exits drops its live gauges; the counters it wrote still count.
        stop(procs[1])
        assert not list(metrics_dir.glob(f"gauge_live*_{procs[1].pid}.db"))
        text = httpx.get(f"http://127.0.0.1:{a}/metrics").text
        assert summed(text, "portal_turns_total") == 4 and summed(text, "portal_http_requests_in_flight") == 1
    finally:
        errors = [stop(proc) for proc in procs]
    assert not any("Traceback" in e for e in errors), errors


def test_without_redis_each_worker_limits_and_counts_on_its_own(world):
    (a, b), procs = two_workers(worker_env(world, **TIGHT))
    try:
        alice = world.auth("alice")
        codes = [httpx.get(f"http://127.0.0.1:{port}/v1/me", headers=alice).status_code for port in [a, b] * 5]
        # Each process spends its own burst: twice the limit behind two workers (why PORTAL_REDIS_URL exists).
        assert codes == [200] * (2 * BURST) + [429] * (10 - 2 * BURST)
        headers = world.auth("bob")
        turn(a, headers, conversation(a, headers), "how do I pay with pay now?")
        assert summed(httpx.get(f"http://127.0.0.1:{b}/metrics").text, "portal_turns_total") == 0
        assert summed(httpx.get(f"http://127.0.0.1:{a}/metrics").text, "portal_turns_total") == 1
    finally:
        for proc in procs:
            stop(proc)


def test_serve_with_two_workers(world, redis_url, redis_prefix):
    """`portal-agent serve --workers 2`: the metrics directory is emptied at start and both workers write
    to it, /metrics adds them up, the limit holds across them, and live gauges leave with the workers."""
    metrics_dir = world.settings.portal_data_dir / "prometheus"  # serve's default for several workers
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")
    port = free_port()
    env = worker_env(world, PORTAL_REDIS_URL=redis_url, PORTAL_REDIS_PREFIX=redis_prefix, **TIGHT)
    proc = start(["-m", "service.cli", "serve", "--port", str(port), "--workers", "2", "--log-level", "warning"], env)
    try:
        wait_healthy([(proc, port)])
        alice = world.auth("alice")
        with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:  # a connection each
            codes = [client.get(f"http://127.0.0.1:{port}/v1/me", headers=alice).status_code for _ in range(12)]
        assert codes == [200] * BURST + [429] * (12 - BURST)

        def scraped() -> float:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            return summed(text, "portal_http_requests_total", route="/v1/me")

        assert once_counted(scraped, 12) == 12
        assert not (metrics_dir / "counter_999999.db").exists()
        pids = {int(p.stem.split("_")[-1]) for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2, pids  # both workers write there (whichever served the requests)
        assert sum(per_process(metrics_dir, "portal_http_requests_total", route="/v1/me").values()) == 12
    finally:
        err = stop(proc)
    assert "Metrics: /metrics adds up every worker's" in err and "shared by every worker in Redis" in err, err
    assert not list(metrics_dir.glob("gauge_live*.db")), list(metrics_dir.iterdir())
