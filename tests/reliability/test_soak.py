"""Soak: steady load on `portal-agent serve` (2 workers, SQLite) with the mock model. No errors, and
the workers' resident memory after warm-up grows by less than 10 % over 10 minutes (slow); the default
run is ~30 s and reports the growth."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

import httpx
import pytest
from rkit import Server, auth, init_database, report, rss_kb, server_env

from bench.mock_model import MockConfig, MockModelServer

USERS = ["alice@acme.example", "bob@acme.example", "carol@globex.example", "erin@acme.example"]
SCRIPT = ["show INV-1001", "list my invoices", "pay INV-1003", "what are my contracts", "hello"]
CLIENTS = 4


def soak(tmp_path, seconds: float, warmup: float) -> dict:
    with MockModelServer(MockConfig(latency_ms=20)) as model_url:
        env = server_env(
            tmp_path / "data",
            f"sqlite:///{tmp_path / 'soak.db'}",
            PORTAL_LLM="openai",
            OPENAI_BASE_URL=model_url,
            OPENAI_API_KEY="sk-test-not-a-real-key-0000000",
        )
        init_database(env)
        server = Server(env, workers=2).start()
        counts: Counter = Counter()
        errors: list[str] = []
        stop = threading.Event()

        def client(n: int) -> None:
            who = USERS[n % len(USERS)]
            with httpx.Client(base_url=server.url, headers=auth(who), timeout=30) as c:
                while not stop.is_set():
                    conv = c.post("/v1/conversations").json()["conversation_id"]
                    for text in SCRIPT:
                        if stop.is_set():
                            break
                        r = c.post(f"/v1/conversations/{conv}/messages", json={"text": text})
                        counts["turns"] += 1
                        if r.status_code != 200 or not r.json()["reply"] or r.json().get("degraded"):
                            errors.append(f"{r.status_code} {r.text[:200]}")
                    for path in ("/v1/me", f"/v1/conversations/{conv}"):
                        r = c.get(path)
                        counts["reads"] += 1
                        if r.status_code != 200:
                            errors.append(f"{path} {r.status_code} {r.text[:200]}")

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
        try:
            for t in threads:
                t.start()
            time.sleep(warmup)
            pids = server.serving_pids()
            start_rss = {p: rss_kb(p) for p in pids}
            turns_at_start, started = counts["turns"], time.monotonic()
            samples = []
            while time.monotonic() - started < seconds:
                time.sleep(min(5.0, seconds / 6))
                samples.append(sum(rss_kb(p) for p in pids))
            end_rss = {p: rss_kb(p) for p in pids}
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
            server.stop()
    growth = max((end_rss[p] - start_rss[p]) / start_rss[p] for p in pids)
    return {
        "seconds": seconds,
        "warmup_seconds": warmup,
        "clients": CLIENTS,
        "workers": len(pids),
        "turns": counts["turns"] - turns_at_start,
        "turns_total": counts["turns"],
        "reads": counts["reads"],
        "errors": len(errors),
        "first_errors": errors[:3],
        "rss_start_kb": sum(start_rss.values()),
        "rss_end_kb": sum(end_rss.values()),
        "rss_growth_pct_max_worker": round(100 * growth, 2),
        "rss_samples_kb": samples,
    }


def test_soak_30_seconds(tmp_path):
    figures = soak(tmp_path, float(os.environ.get("SOAK_SECONDS", "30")), warmup=5)
    report("soak_short", **figures)
    assert figures["errors"] == 0, figures["first_errors"]
    assert figures["turns"] > 50


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_soak_10_minutes(tmp_path):
    figures = soak(tmp_path, 600, warmup=30)
    report("soak_10_minutes", **figures)
    assert figures["errors"] == 0, figures["first_errors"]
    assert figures["rss_growth_pct_max_worker"] < 10, figures
