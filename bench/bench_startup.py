"""Start-up (not a test): `portal-agent serve` until /readyz answers 200, and a cold `portal-agent ask`.

    .venv/bin/python -m bench.bench_startup [--runs 3] [--no-write]

Fresh processes every run, offline model (PORTAL_LLM=offline), SQLite demo database and the
knowledge index prepared beforehand in a temporary data directory.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    ALICE,
    ROOT,
    Row,
    append_section,
    build_kb_index,
    env_for,
    free_port,
    median,
    parse_bench_args,
    seed_world,
    settings_for,
    subprocess_server,
)

BIN = ROOT / ".venv" / "bin"
QUESTIONS = {"read": "Show me invoice INV-1001", "FAQ": "How do I change my billing address?"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parse_bench_args(parser)
    from bootstrap.container import build_container

    serve: list[float] = []
    ask: dict[str, list[float]] = {k: [] for k in QUESTIONS}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        data_dir = Path(tmp)
        settings = settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}", portal_llm="offline")
        container = build_container(settings)
        seed_world(container, 0)
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
    rows = [
        Row(f"`portal-agent serve` to /readyz 200, median of {args.runs}", f"{median(serve):.2f} s"),
        Row("… min / max", f"{min(serve):.2f} s / {max(serve):.2f} s"),
    ]
    for kind, times in ask.items():
        rows.append(Row(f"cold `portal-agent ask` ({kind} question), median of {args.runs}", f"{median(times):.2f} s"))
    notes = [
        "offline model; a FAQ question also loads the MiniLM embedder and opens Chroma; "
        "no target was set for these figures"
    ]
    append_section("Start-up", "python -m bench.bench_startup " + " ".join(sys.argv[1:]), rows, notes)


if __name__ == "__main__":
    main()
