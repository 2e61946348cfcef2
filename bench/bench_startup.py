"""Start-up and memory (not a test): `portal-agent serve` until /readyz answers 200, a cold `portal-agent ask`,
and a served worker's resident memory after warm-up and after 200 turns.

    .venv/bin/python -m bench.bench_startup [--runs 3] [--turns 200] [--no-write]

Fresh processes every run, offline model (PORTAL_LLM=offline), SQLite demo database and the
knowledge index prepared beforehand in a temporary data directory. Memory is the worker's VmRSS
(/proc), read once it settles after /readyz (the warm-up loads the models beside the server's start) and after
`--turns` turns of one user over HTTP: FAQ questions, reads, and payments proposed and confirmed.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import (
    ALICE,
    ROOT,
    Row,
    append_section,
    build_kb_index,
    env_for,
    free_port,
    limit_row,
    median,
    parse_bench_args,
    seed_world,
    settings_for,
    subprocess_server,
    token_for,
)

BIN = ROOT / ".venv" / "bin"
QUESTIONS = {"read": "Show me invoice INV-1001", "FAQ": "How do I change my billing address?"}
FAQS = ["How do I change my billing address?", "how long until a card payment shows as paid?", "who can add users?"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def settled_rss(pid: int, quiet: float = 2.0, limit: float = 60.0) -> float:
    """The worker's RSS once it stops changing (the start-up warm-up runs beside the server: it is done)."""
    start, last, since = time.monotonic(), rss_mb(pid), time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(0.25)
        now = rss_mb(pid)
        if abs(now - last) > 1.0:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


def memory(env: dict[str, str], turns: int) -> tuple[float, float]:
    """(MB after warm-up, MB after `turns` turns) of a served worker (`serve` runs its one worker in process)."""
    port = free_port()
    with subprocess_server(
        [str(BIN / "portal-agent"), "serve", "--port", str(port), "--log-level", "warning"],
        env,
        f"http://127.0.0.1:{port}/readyz",
        timeout=120,
    ) as proc:
        ready = settled_rss(proc.pid)
        headers = {"Authorization": f"Bearer {token_for(ALICE)}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60) as client:
            invoices, faqs, conv = itertools.count(9000), itertools.cycle(FAQS), ""
            for i in range(turns):
                if i % 6 == 0:
                    conv = client.post("/v1/conversations").json()["conversation_id"]
                say = [next(faqs), "Show me invoice INV-1001", f"pay INV-{next(invoices)}"][i % 3]
                r = client.post(f"/v1/conversations/{conv}/messages", json={"text": say})
                r.raise_for_status()
                action = r.json().get("pending_action")
                if action:
                    client.post(f"/v1/conversations/{conv}/actions/{action['id']}/confirm").raise_for_status()
        return ready, rss_mb(proc.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--turns", type=int, default=200)
    args = parse_bench_args(parser)
    from bootstrap.container import build_container

    serve: list[float] = []
    ask: dict[str, list[float]] = {k: [] for k in QUESTIONS}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data_dir = Path(tmp)
        settings = settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}", portal_llm="offline")
        container = build_container(settings)
        seed_world(container, args.turns)
        container.engine.dispose()
        build_kb_index(data_dir)
        env = env_for(settings)
        for _ in range(args.runs):
            port = free_port()
            start = time.perf_counter()
            with subprocess_server(
                [str(BIN / "portal-agent"), "serve", "--port", str(port), "--log-level", "warning"],
                env,
                f"http://127.0.0.1:{port}/readyz",
                timeout=120,
            ):
                serve.append(time.perf_counter() - start)
            for kind, text in QUESTIONS.items():
                start = time.perf_counter()
                subprocess.run(
                    [str(BIN / "portal-agent"), "ask", "--as", ALICE, "--json", text],
                    env=env,
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                    timeout=120,
                )
                ask[kind].append(time.perf_counter() - start)
        ready_mb, after_mb = memory(env, args.turns)
    rows = [
        limit_row(
            f"`portal-agent serve` to /readyz 200, median of {args.runs}", median(serve), 2.0, " s", fmt="{:.2f}"
        ),
        Row("… min / max", f"{min(serve):.2f} s / {max(serve):.2f} s"),
    ]
    for kind, times in ask.items():
        label = f"cold `portal-agent ask` ({kind} question), median of {args.runs}"
        rows.append(limit_row(label, median(times), 1.5, " s", fmt="{:.2f}"))
    rows += [
        limit_row("served worker RSS after warm-up", ready_mb, 250.0, " MB", fmt="{:.0f}"),
        limit_row(f"served worker RSS after {args.turns} turns", after_mb, 250.0, " MB", fmt="{:.0f}"),
    ]
    notes = [
        "offline model; a FAQ question also loads the MiniLM embedder and opens Chroma",
        f"memory: VmRSS of the worker once steady after /readyz (warm-up done) and after {args.turns} turns over HTTP (FAQ questions, "
        "reads, payments proposed and confirmed, six turns per conversation)",
    ]
    append_section("Start-up", "python -m bench.bench_startup " + " ".join(sys.argv[1:]), rows, notes)


if __name__ == "__main__":
    main()
