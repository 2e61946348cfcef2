"""`portal-agent serve` with the OTEL_* settings really traces: a served process exports a turn's spans over
OTLP/HTTP to a stub collector on 127.0.0.1, and its JSON access line carries the trace id of the same request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from test_api_serve import ROOT, free_port
from tracing_kit import exported, stub_collector

from service.auth import issue_token

SECRET = "s" * 40


def test_a_served_turn_is_exported_and_its_log_line_names_the_trace(tmp_path: Path) -> None:
    with stub_collector() as (endpoint, received):
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
        env |= {
            "PORTAL_DATA_DIR": str(tmp_path / "data"),
            "PORTAL_ENV": "production",
            "PORTAL_SECRET_KEY": SECRET,
            "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,  # alone: asks for OTLP
            "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within the test, not every 5 s
        }
        subprocess.run([sys.executable, "-m", "service.cli", "db", "init", "--demo"], cwd=ROOT, env=env, check=True)
        out, err = _serve_one_turn(env)
    assert "Tracing on: spans exported with otlp" in err

    spans = [
        span
        for request in exported(received)
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    ours = [
        s for s in spans if {a.key: a.value.string_value for a in s.attributes}.get("portal.request_id") == "served-1"
    ]
    names = {s.name for s in ours}
    assert {
        "POST /v1/conversations/{conversation_id}/messages",
        "invoke_agent portal-agent",
        "chat offline-planner",
        "execute_tool get_invoice",
        "billing.get_invoice",
    } <= names, names
    [trace_id] = {s.trace_id.hex() for s in ours}
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    access = [e for e in lines if e["logger"] == "portal_agent.access" and e["request_id"] == "served-1"]
    assert [e["trace_id"] for e in access] == [trace_id]


def _serve_one_turn(env: dict[str, str]) -> tuple[str, str]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(base, proc)
        auth = {"Authorization": f"Bearer {issue_token('alice@acme.example', SECRET)}"}
        conv = httpx.post(f"{base}/v1/conversations", headers=auth, timeout=30).json()["conversation_id"]
        r = httpx.post(
            f"{base}/v1/conversations/{conv}/messages",
            json={"text": "show me INV-1001"},
            headers={**auth, "X-Request-ID": "served-1"},
            timeout=120,
        )
        assert r.status_code == 200 and r.json()["tool_calls"][0]["name"] == "get_invoice", r.text
        time.sleep(0.5)  # the batch processor exports every 100 ms; shutting down flushes the rest
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    return out, err


def _wait_for(base: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(proc.stderr.read() if proc.poll() is not None and proc.stderr else "serve did not start")
