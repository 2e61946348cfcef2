"""The offline planner (not a test): a whole offline turn through the runner, and the planner's own share.

    .venv/bin/python -m bench.bench_planner [--samples 40] [--no-write]

The demo world on SQLite in a temporary directory, the real knowledge index, the offline planner
warmed up first (as `serve` does). Each sample is a fresh conversation; the kinds are the customer
turns the planner meets most: a question about the portal (search + answer), a read of one's own
data, a change proposed, a follow-up that answers the planner's question. "Planner" is the time
spent inside the planner's own calls (classification, state, policy, phrasing) in those turns.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench.common import (
    ALICE,
    Row,
    append_section,
    build_kb_index,
    limit_row,
    ms,
    parse_bench_args,
    seed_world,
    settings_for,
)

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.messages import AIMessage, BaseMessage

    from agent.planner import OfflinePlanner

TURNS: dict[str, list[str]] = {
    "FAQ": ["how long until a card payment shows as paid?"],
    "read": ["what's the balance on INV-1001?"],
    "propose": ["set the PO on INV-1003 to 4500-77"],
    "follow-up": ["add Greg Green to C-1001", "greg.green@acme.example"],
}
TARGET_MS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=40)
    args = parse_bench_args(parser)
    from billing.principal import Principal
    from bootstrap.container import build_container, build_runner
    from knowledge.retriever import Retriever

    with tempfile.TemporaryDirectory(prefix="bench-planner-") as tmp:
        data_dir = Path(tmp)
        container = build_container(settings_for(data_dir, f"sqlite:///{data_dir / 'portal.db'}", portal_llm="offline"))
        seed_world(container, 0)
        build_kb_index(data_dir)
        planner = _Timed()
        runner = build_runner(container, model=planner, knowledge=Retriever(data_dir))
        runner.warm_up()
        from agent.planner import faq

        faq.warm_up()  # what the background warm-up of `serve` has done by the time customers type
        principal = Principal(ALICE, "web")
        turn_ms: dict[str, list[float]] = {k: [] for k in TURNS}
        plan_ms: dict[str, list[float]] = {k: [] for k in TURNS}
        for _ in range(args.samples + 2):  # the first two are warm-up
            for kind, texts in TURNS.items():
                conv = runner.start_conversation(principal).id
                for text in texts[:-1]:
                    runner.run_turn(principal, conv, text)
                SPENT[0] = 0.0
                _forget()  # every sample embeds its message afresh, as a new customer message would be
                started = time.perf_counter()
                runner.run_turn(principal, conv, texts[-1])
                turn_ms[kind].append(time.perf_counter() - started)
                plan_ms[kind].append(SPENT[0])
        rows = _rows(turn_ms, plan_ms)
        container.engine.dispose()
    append_section(
        "Offline planner",
        f"python -m bench.bench_planner --samples {args.samples}",
        rows,
        [
            "the turn includes the runner's persistence (SQLite), the tools' domain calls and the retriever; "
            "'planner' is the planner's own calls in that turn (every call of a turn that used tools)",
            "medians over the samples after two warm-up rounds",
        ],
    )


def _forget() -> None:
    from agent.planner import features

    features.embed.cache_clear()  # the help articles' sentences stay embedded, as after `serve` warmed up


def _rows(turn_ms: dict[str, list[float]], plan_ms: dict[str, list[float]]) -> list[Row]:
    every = [t for kind in TURNS for t in turn_ms[kind][2:]]
    rows = [limit_row("offline turn, all kinds (median)", 1000 * statistics.median(every), TARGET_MS, " ms")]
    for kind in TURNS:
        turns, plans = turn_ms[kind][2:], plan_ms[kind][2:]
        rows.append(limit_row(f"offline turn, {kind} (median)", 1000 * statistics.median(turns), TARGET_MS, " ms"))
        rows.append(Row(f"  planner's share, {kind} (median)", ms(statistics.median(plans)), "—"))
    return rows


SPENT = [0.0]  # seconds inside the planner's calls (tools are bound to a copy of the model, so not on it)


def _timed_class() -> type[OfflinePlanner]:
    from agent.planner import OfflinePlanner

    class Timed(OfflinePlanner):
        """The offline planner, adding up the time spent in its own calls."""

        def plan(self, messages: list[BaseMessage]) -> AIMessage:
            started = time.perf_counter()
            try:
                return super().plan(messages)
            finally:
                SPENT[0] += time.perf_counter() - started

    return Timed


def _Timed() -> OfflinePlanner:  # noqa: N802 - a factory that reads like the class it builds
    return _timed_class()()


if __name__ == "__main__":
    main()
