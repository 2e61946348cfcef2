"""`portal-agent serve` really serves: a subprocess on a free port, its health endpoint and JSON logs."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_runs_uvicorn_with_json_logs(tmp_path: Path):
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(tmp_path / "data"),
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "s" * 40,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, r = time.monotonic() + 120, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Request-ID": "serve-test"}, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert r is not None and r.status_code == 200, proc.stderr.read() if proc.poll() is not None else "timeout"
        assert httpx.get(f"http://127.0.0.1:{port}/dev/users").status_code == 404  # production: no dev routes
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    entries = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [e for e in entries if e["logger"] == "portal_agent.access" and e["path"] == "/healthz"]
    assert access and access[0]["request_id"] == "serve-test" and access[0]["status"] == 200
    assert f"http://127.0.0.1:{port}" in err
