"""Prometheus metrics of one app instance (its own registry, so several apps can live in one process).

With several uvicorn workers each has its own counters; scrape each worker or run prometheus-client's
multiprocess mode (PROMETHEUS_MULTIPROC_DIR) — see the report in the service docs.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = r = CollectorRegistry()
        self.requests = Counter(
            "portal_http_requests_total", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.request_seconds = Histogram(
            "portal_http_request_seconds", "HTTP request latency", ["route"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.turns = Counter("portal_turns_total", "Chat turns", ["channel", "outcome", "degraded"], registry=r)
        self.tool_calls = Counter("portal_tool_calls_total", "Tool calls made by the agent", ["tool", "ok"], registry=r)
        self.confirmations = Counter(
            "portal_confirmations_total",
            "Decisions on pending actions",
            ["operation", "decision", "status", "via"],
            registry=r,
        )
        self.model_seconds = Histogram(
            "portal_model_latency_seconds",
            "Agent time per turn (model and tools)",
            ["model"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.tokens = Counter("portal_model_tokens_total", "Model tokens", ["model", "direction"], registry=r)
        self.rate_limited = Counter("portal_rate_limited_total", "Requests refused by the rate limiter", registry=r)
        self.guard = Counter(
            "portal_guard_interventions_total",
            "Model replies replaced or proposals refused by the output guard and argument grounding",
            ["reason"],
            registry=r,
        )

    def observe_turn(self, result: dict[str, Any], channel: str = "web") -> None:
        if result.get("decided_action"):
            decided = result["decided_action"]
            self.confirmations.labels("", "typed", decided.get("status", ""), "chat").inc()
            outcome = "decision"
        else:
            outcome = (
                "pending_action" if result.get("pending_action") else ("handoff" if result.get("handoff") else "answer")
            )
        self.turns.labels(channel, outcome, str(bool(result.get("degraded"))).lower()).inc()
        for call in result.get("tool_calls") or []:
            self.tool_calls.labels(call.get("name", "?"), str(bool(call.get("ok"))).lower()).inc()
        usage, model = result.get("usage") or {}, result.get("model") or "unknown"
        if "ms" in usage:
            self.model_seconds.labels(model).observe(usage["ms"] / 1000)
        for direction in ("input", "output"):
            if usage.get(f"{direction}_tokens"):
                self.tokens.labels(model, direction).inc(usage[f"{direction}_tokens"])
        for reason in result.get("guard") or []:
            self.guard.labels(reason.split(":", 1)[0]).inc()

    def observe_decision(self, operation: str, approve: bool, status: str, via: str = "button") -> None:
        self.confirmations.labels(operation, "confirm" if approve else "reject", status, via).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
