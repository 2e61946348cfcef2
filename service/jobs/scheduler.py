"""The scheduler: each job in a thread of its own, woken at the start of each of its interval slots, running
the slot's tick only if it gets the job's lock and claims the tick (`service.jobs` says why both)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from service.jobs import ticks
from service.jobs.job import Job, Outcome, Status, tick_of
from service.jobs.locks import job_lock

log = logging.getLogger(__name__)


def worker_name() -> str:
    """Who claimed a tick, as an operator would look for it: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """Runs `jobs` against the database behind `engine`, each tick of each job once across every scheduler on
    that database. `start()` runs them in the background until `stop()`; `run_tick` and `run_now` run one
    attempt in the caller's thread (tests, `portal-agent worker --once`). `wall_clock` names the slots (seconds
    since the epoch); a slow job delays only its own next tick, never another job's."""

    def __init__(
        self,
        engine: Engine,
        jobs: Sequence[Job],
        *,
        worker: str | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.jobs, self.wall_clock = engine, list(jobs), wall_clock
        self.worker = worker or worker_name()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- one attempt -----------------------------------------------------------------------------------
    def run_tick(self, job: Job, tick: dt.datetime) -> Outcome:
        """Run `job` for the slot starting at `tick`, unless another worker is running it or ran this tick."""
        return self._attempt(job, tick, force=False)

    def run_now(self, job: Job) -> Outcome:
        """Run `job` now, whatever tick it is, unless another worker is running it at this moment."""
        return self._attempt(job, tick_of(self.wall_clock(), job.interval), force=True)

    def _attempt(self, job: Job, tick: dt.datetime, *, force: bool) -> Outcome:
        with job_lock(self.engine, job.name) as held:
            if not held:
                return Outcome(job.name, Status.RUNNING_ELSEWHERE)
            started = _now()
            if not ticks.claim(self.engine, job.name, tick, self.worker, started, force=force):
                return Outcome(job.name, Status.DONE_ELSEWHERE)
            outcome = self._run(job)
            ticks.finish(self.engine, job.name, self.worker, started, _now(), outcome.summary)
            return outcome

    def _run(self, job: Job) -> Outcome:
        try:
            summary = job.run()
        except Exception as error:  # the job's state stays in the database; the next tick tries again
            log.exception("background job %s failed", job.name, extra={"job": job.name})
            return Outcome(job.name, Status.FAILED, f"failed: {type(error).__name__}: {error}")
        return Outcome(job.name, Status.RAN, summary)

    # -- in the background -----------------------------------------------------------------------------
    def start(self) -> None:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def request_stop(self) -> None:
        """Wake no job any more (safe from a signal handler); `stop` also waits for the runs in progress."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop waking the jobs and wait (up to `timeout` in all) for the runs in progress to end. A run still
        going after that is cut off with the process, and its work is redone by a later tick."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(deadline - time.monotonic(), 0.0))

    def wait(self) -> None:
        """Block until `stop()` is called (from a signal handler or another thread)."""
        while not self._stop.wait(1.0):
            pass

    def _loop(self, job: Job) -> None:
        last: dt.datetime | None = None
        while not self._stop.is_set():
            tick = tick_of(self.wall_clock(), job.interval)
            if last is None or tick > last:  # the first tick at once: what is due at start-up is done at start-up
                last = tick
                self._logged_tick(job, tick)
            next_slot = tick.timestamp() + job.interval
            self._stop.wait(max(next_slot - self.wall_clock(), 0.01))

    def _logged_tick(self, job: Job, tick: dt.datetime) -> None:
        try:
            outcome = self.run_tick(job, tick)
        except Exception:  # the database is unreachable for the lock or the claim: the next tick tries again
            log.exception("background job %s could not be scheduled", job.name, extra={"job": job.name})
            return
        if outcome.status == Status.RAN and outcome.summary:
            log.info("%s: %s", job.name, outcome.summary, extra={"job": job.name})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
