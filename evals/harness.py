"""The scenario runner: every scenario x trial on a fresh database, through the service's Runner, in a
thread pool, with a progress bar; aggregated into pass^k per suite (tau-bench's metric)."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import TypedDict

from billing.principal import Principal
from evals.knowledge import Knowledge, PoisonedKnowledge, build_knowledge, public_text
from evals.records import TableChanges, TrialResult
from evals.scenarios import Scenario
from evals.scorers import goal_reached, score
from evals.session import Session
from evals.simulator import play_scripted, play_simulated
from evals.variants import Variant
from evals.world import Worlds, diff

CHANNEL = "eval"


def pass_hat_k(successes: list[tuple[int, int]], k: int) -> float:
    """tau-bench pass^k: mean over tasks of C(c, k) / C(n, k), for (n trials, c successes) per task."""
    usable = [(n, c) for n, c in successes if n >= k]
    if not usable:
        return float("nan")
    return sum(comb(c, k) / comb(n, k) for n, c in usable) / len(usable)


@dataclass
class ScenarioResult:
    scenario: Scenario
    trials: list[TrialResult]

    @property
    def n(self) -> int:
        return len(self.trials)

    @property
    def c(self) -> int:
        return sum(t.passed for t in self.trials)


SuiteFigures = TypedDict(
    "SuiteFigures",
    {
        "suite": str,
        "scenarios": int,
        "trials": int,
        "pass^1": float,
        "pass_hat": dict[str, float],  # k -> pass^k
        "tool_calls_per_trial": float,
        "tokens_per_trial": float,
        "turn_ms_p50": float,
        "turn_ms_p95": float,
        "turns": int,
        "degraded_turns": int,
        "guard": dict[str, int],  # why replies were replaced -> how often
        "failed_scenarios": list[str],
    },
)
SuiteFigures.__doc__ = "A suite's figures (the summary without pass^k under its own name, which depends on k)."


@dataclass
class SuiteResult:
    name: str
    scenarios: list[ScenarioResult]
    k: int

    def pass_k(self, k: int) -> float:
        return pass_hat_k([(s.n, s.c) for s in self.scenarios], k)

    def summary(self) -> dict[str, object]:
        """The figures as report.json has them: pass^k under its own name, next to pass^1."""
        out: dict[str, object] = {}
        for key, value in self.figures().items():
            out[key] = value
            if key == "pass^1":
                out[f"pass^{self.k}"] = round(self.pass_k(self.k), 4)
        return out

    def figures(self) -> SuiteFigures:
        trials = [t for s in self.scenarios for t in s.trials]
        turn_ms = [ms for t in trials for ms in t.turn_ms]
        return {
            "suite": self.name,
            "scenarios": len(self.scenarios),
            "trials": len(trials),
            "pass^1": round(self.pass_k(1), 4),
            "pass_hat": {str(k): round(self.pass_k(k), 4) for k in range(1, self.k + 1)},
            "tool_calls_per_trial": round(statistics.fmean(t.tool_calls for t in trials), 2) if trials else 0,
            "tokens_per_trial": round(statistics.fmean(t.tokens for t in trials), 1) if trials else 0,
            "turn_ms_p50": round(statistics.median(turn_ms), 1) if turn_ms else 0,
            "turn_ms_p95": round(_pct(turn_ms, 0.95), 1) if turn_ms else 0,
            "turns": len(turn_ms),
            "degraded_turns": sum(s.degraded for t in trials for s in t.steps),
            "guard": dict(Counter(r.split(":", 1)[0] for t in trials for s in t.steps for r in s.guard)),
            "failed_scenarios": [s.scenario.id for s in self.scenarios if s.c < s.n],
        }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class EvalRun:
    variant: str
    trials: int
    suites: list[SuiteResult]
    seconds: float
    started_at: str
    workers: int
    settings: dict[str, object] = field(default_factory=dict)  # what the run was configured with, for the report

    def suite(self, name: str) -> SuiteResult:
        return next(s for s in self.suites if s.name == name)


class Evaluator:
    """Runs scenarios for one variant. The knowledge index is built once per evaluator."""

    def __init__(
        self, variant: Variant, *, workers: int = 2, work_dir: Path | None = None, knowledge: Knowledge | None = None
    ) -> None:
        self.variant = variant
        self.workers = max(1, workers)
        self.worlds = Worlds(work_dir)
        self._knowledge = knowledge
        self._public: str | None = None

    @property
    def knowledge(self) -> Knowledge:
        if self._knowledge is None:
            self._knowledge = build_knowledge(self.worlds.root / "index")
        return self._knowledge

    @property
    def public(self) -> str:
        if self._public is None:
            self._public = public_text()
        return self._public

    def close(self) -> None:
        self.worlds.cleanup()

    def run_trial(self, scenario: Scenario, trial: int) -> TrialResult:
        started = time.perf_counter()
        world = self.worlds.fresh(scenario.today)
        try:
            knowledge: Knowledge = self.knowledge
            if scenario.inject_passage:
                knowledge = PoisonedKnowledge(knowledge, scenario.inject_passage)
            runner = self.variant.runner(world.container, scenario, knowledge)
            session = Session(world, runner, Principal(scenario.user, CHANNEL))
            simulated = bool(scenario.goal and self.variant.make_user_model)
            if simulated:
                assert self.variant.make_user_model is not None
                stop = play_simulated(
                    scenario,
                    session,
                    self.variant.make_user_model(),
                    lambda: goal_reached(scenario.expect, world.seeded, world.snapshot(), session.steps),
                )
            else:
                play_scripted(scenario, session)
                stop = "script_end"
            final = world.snapshot()
            failures = score(scenario, session.steps, world.seeded, final, self.public)
            if simulated:
                failures.pop("turns", None)  # turn checks refer to the scripted turns
            end: dict[str, TableChanges | str] = {
                t: {
                    "inserted": d.inserted,
                    "deleted": d.deleted,
                    "updated": {k: {f: list(v) for f, v in fields.items()} for k, fields in d.updated.items()},
                }
                for t, d in diff(world.seeded, final).items()
            }
            result = TrialResult(
                scenario.id,
                scenario.suite,
                trial,
                not failures,
                failures,
                session.steps,
                end,
                round(time.perf_counter() - started, 3),
            )
            result.end_diff["_stop"] = stop
            return result
        except Exception as exc:  # noqa: BLE001 - a harness-level crash fails the trial, visibly
            return TrialResult(
                scenario.id,
                scenario.suite,
                trial,
                False,
                {"errors": [f"{type(exc).__name__}: {exc}"]},
                [],
                {},
                round(time.perf_counter() - started, 3),
                crashed=True,
            )
        finally:
            world.close()

    def run(
        self, suites: dict[str, list[Scenario]], trials: int = 1, progress: Callable[[TrialResult], None] | None = None
    ) -> EvalRun:
        started, wall = dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), time.perf_counter()
        _ = self.knowledge, self.public  # build before the threads start
        jobs = [(s, t) for scenarios in suites.values() for s in scenarios for t in range(trials)]
        results: dict[str, list[TrialResult]] = {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            futures = [pool.submit(self.run_trial, s, t) for s, t in jobs]
            for future in as_completed(futures):
                result = future.result()
                results.setdefault(result.scenario_id, []).append(result)
                if progress:
                    progress(result)
        suite_results = [
            SuiteResult(
                name, [ScenarioResult(s, sorted(results[s.id], key=lambda r: r.trial)) for s in scenarios], trials
            )
            for name, scenarios in suites.items()
        ]
        return EvalRun(
            self.variant.name, trials, suite_results, round(time.perf_counter() - wall, 2), started, self.workers
        )


def evaluate(
    variant: Variant,
    suites: dict[str, list[Scenario]],
    trials: int = 1,
    workers: int = 2,
    progress: Callable[[TrialResult], None] | None = None,
    knowledge: Knowledge | None = None,
) -> EvalRun:
    evaluator = Evaluator(variant, workers=workers, knowledge=knowledge)
    try:
        return evaluator.run(suites, trials, progress)
    finally:
        evaluator.close()
