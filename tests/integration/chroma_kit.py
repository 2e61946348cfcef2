"""A real Chroma server for the integration tests: `chroma run` (the CLI chromadb ships) on a free
loopback port, started, waited for, paused, restarted and stopped by the test that owns it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

START_TIMEOUT = 30.0  # a cold start on two busy cores takes a few seconds


def chroma_cli() -> str | None:
    """The `chroma` executable of this interpreter's environment (else on PATH)."""
    beside = Path(sys.executable).with_name("chroma")
    return str(beside) if beside.is_file() else shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChromaServer:
    """`chroma run --path DIR --host 127.0.0.1 --port N` as a child process of the test."""

    def __init__(self, cli: str, path: Path, log: Path) -> None:
        self.cli, self.path, self.log_path = cli, path, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        """Start and wait for the heartbeat; raises RuntimeError (with the server's output) if it never answers."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        # Only the server's own needs in its environment: nothing of the test's PORTAL_* settings.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        command = [self.cli, "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.wait_for_heartbeat()

    def wait_for_heartbeat(self) -> None:
        import httpx

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"`chroma run` exited with {self.process.returncode}: {self.output()[-800:]}")
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(
            f"`chroma run` did not answer its heartbeat in {START_TIMEOUT:.0f} s: {self.output()[-800:]}"
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
        self.process, self._log = None, None

    def restart(self) -> None:
        """The same store and port, a new process (a deploy, a crash and its restart)."""
        self.stop()
        self.start()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """The server process stopped (SIGSTOP) but its socket open: a hung server, as clients see one."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.process.send_signal(signal.SIGCONT)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def remote_peers(pid: int) -> set[str]:
    """Addresses of the TCP peers of every socket the process (and its threads) holds open, from /proc.

    A loopback-only server shows only 127.0.0.1 / ::1 peers (or none); an exporter or a telemetry client
    holding a connection to the outside would show its address here."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    peers = set()
    for table, width in (("tcp", 8), ("tcp6", 32)):
        path = Path(f"/proc/{pid}/net/{table}")
        for line in path.read_text().splitlines()[1:] if path.exists() else []:
            fields = line.split()
            if fields[9] in inodes:
                peers.add(_address(fields[2].split(":")[0], width))
    return peers


def _address(hex_ip: str, width: int) -> str:
    """/proc/net/tcp's little-endian hex address as text."""
    raw = bytes.fromhex(hex_ip)
    if width == 8:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))  # four little-endian 32-bit words
    return socket.inet_ntop(socket.AF_INET6, words)
