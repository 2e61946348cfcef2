"""Helpers for tests that run the service as several processes: a seeded database they share, their
environment, starting and stopping them, and reading Prometheus text and the multiprocess files."""

from __future__ import annotations

import glob
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx
from service_kit import World

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
# Generous: the per-user limit is what these tests tighten; probes and scrapes spend the per-address one.
ROOMY_CLIENT_LIMITS = {"PORTAL_CLIENT_RATE_LIMIT_PER_MINUTE": "6000", "PORTAL_CLIENT_RATE_LIMIT_BURST": "1000"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def worker_env(world: World, **settings: str) -> dict[str, str]:
    """The environment of a worker over `world`'s database: its secret (so `world.auth` tokens work), this
    checkout first on the path, and no multiprocess directory unless the test names one."""
    env = {k: v for k, v in os.environ.items() if k not in ("PROMETHEUS_MULTIPROC_DIR", "PORTAL_REDIS_URL")}
    path = [str(ROOT), str(HERE), str(ROOT / "tests" / "service"), env.get("PYTHONPATH", "")]
    env.update(
        PYTHONPATH=os.pathsep.join(p for p in path if p),
        PORTAL_DATA_DIR=str(world.settings.portal_data_dir),
        PORTAL_SECRET_KEY=world.settings.portal_secret_key,
        PORTAL_ENV="development",
        PORTAL_LLM="offline",
        PORTAL_LOG_LEVEL="WARNING",
        **ROOMY_CLIENT_LIMITS,
        **settings,
    )
    return env


def start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def start_worker(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    """One app instance in a process of its own (worker_app.py), on its own port."""
    args = ["-m", "uvicorn", "--factory", "worker_app:create", "--host", "127.0.0.1", "--port", str(port)]
    return start([*args, "--log-level", "warning"], env)


def wait_healthy(procs: Iterable[tuple[subprocess.Popen[str], int]], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    for proc, port in procs:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"worker on {port} exited: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"worker on {port} did not answer within {timeout} s")
            time.sleep(0.2)


def stop(proc: subprocess.Popen[str]) -> str:
    """SIGTERM (uvicorn shuts down gracefully: the app's lifespan ends), then its stderr."""
    if proc.poll() is None:
        proc.terminate()
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    return err


def summed(text: str, name: str, **labels: str) -> float:
    """The sum over every sample of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if match and match.group(1) == name:
            have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
            if all(have.get(k) == v for k, v in labels.items()):
                total += float(match.group(3))
    return total


def per_process(directory: Path, name: str, **labels: str) -> dict[int, float]:
    """What each process wrote for a counter sample in a multiprocess directory, by pid."""
    from prometheus_client.multiprocess import MultiProcessCollector

    values: dict[int, float] = {}
    for path in glob.glob(str(directory / "counter_*.db")):
        pid = int(Path(path).stem.split("_")[1])
        for metric in MultiProcessCollector.merge([path]):
            for s in metric.samples:
                if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                    values[pid] = values.get(pid, 0.0) + s.value
    return values


def once_counted(read: Callable[[], float], want: float, timeout: float = 10.0) -> float:
    """A request counter's value once it reaches `want` (or what it holds at the timeout).

    The service counts a request after its response has gone out, so the client can read the counter
    before the last request is in it; a counter that overshoots still fails the caller's assertion."""
    deadline = time.monotonic() + timeout
    value = read()
    while value < want and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value
