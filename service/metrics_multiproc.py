"""prometheus_client's multiprocess mode, for several workers behind one /metrics.

Each uvicorn worker is a process with its own counters, and a scrape reaches whichever worker accepts
it. In multiprocess mode every worker writes its values to memory-mapped files in one directory
(PROMETHEUS_MULTIPROC_DIR) and /metrics adds up the files of all of them (service/metrics.py).
`portal-agent serve` switches it on for more than one worker, or whenever the directory is set.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
DEFAULT_SUBDIR = "prometheus"


def active_dir() -> Path | None:
    """The directory this process writes its metrics to, or None when they live in its memory.

    prometheus_client chose when it was first imported, from the environment at that moment; ask it
    rather than the environment, so /metrics reads the files exactly when values go to them."""
    from prometheus_client import values  # not at module level: `serve` must export the directory first

    if not getattr(values.ValueClass, "_multiprocess", False):
        return None
    return Path(os.environ[ENV])


def directory_for(configured: Path | None, data_dir: Path, workers: int) -> Path | None:
    """Where `serve` keeps the workers' files: the configured directory, else one in the data dir when
    there is more than one worker; None keeps the embedded single-process metrics."""
    if configured is not None:
        return configured
    return data_dir / DEFAULT_SUBDIR if workers > 1 else None


def prepare(directory: Path) -> Path:
    """Empty the directory and export it to this process and the workers it starts.

    A previous run's files would add its counters to this run's and keep its dead workers' gauges. Only
    the `*.db` files prometheus_client writes are removed, in case the directory was shared by mistake.
    """
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    os.environ[ENV] = str(directory)
    return directory


def mark_this_process_dead() -> None:
    """On a worker's exit: drop its live gauges (in-flight requests, ...) from the sums; its counters stay."""
    from prometheus_client import multiprocess

    directory = active_dir()
    if directory is not None:
        multiprocess.mark_process_dead(os.getpid(), str(directory))
