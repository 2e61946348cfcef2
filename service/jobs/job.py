"""A periodic job and the interval slots ("ticks") its runs are counted in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

# The product's jobs (built in `catalog.py`); here so the CLI can name them without importing what they run.
JOB_NAMES = ("settle", "expire", "reconcile", "relay", "purge")


@dataclass(frozen=True)
class Job:
    """What runs every `interval` seconds: `run` does the work (it must be safe to repeat and to run beside
    itself, as the domain's jobs are) and returns a one-line summary of what it did. `name` keys its lock and
    its `job_runs` row."""

    name: str
    interval: float
    run: Callable[[], str]


class Status(StrEnum):
    RAN = "ran"
    FAILED = "failed"
    RUNNING_ELSEWHERE = "running elsewhere"  # another worker holds the job's lock
    DONE_ELSEWHERE = "done elsewhere"  # this tick was already claimed (by another worker, or this one)


@dataclass(frozen=True)
class Outcome:
    """What one attempt at a tick did."""

    job: str
    status: Status
    summary: str = ""


def tick_of(now: float, interval: float) -> dt.datetime:
    """The start of the slot `now` (seconds since the epoch) falls in. Slots are aligned to the epoch, not to
    when a worker started, so every worker names the same slot the same way."""
    return dt.datetime.fromtimestamp(math.floor(now / interval) * interval, dt.UTC)
