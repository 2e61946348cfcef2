"""Prometheus metrics of one app instance (its own registry, so several apps can live in one process).

With several workers (`serve --workers N`), prometheus_client's multiprocess mode is on
(service/metrics_multiproc.py): each worker writes its values to a shared directory and /metrics adds up
every worker's, whichever worker answers the scrape. Gauges say how to combine workers
(`multiprocess_mode`); counters and histograms are summed.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from service.metrics_multiproc import active_dir

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class Metrics:
    """The service's counters, histograms and gauges, and their Prometheus text (`render`)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.multiprocess_dir = active_dir()
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
        # livesum: requests being served now by the workers that are alive (an exited worker's are dropped).
        self.in_flight = Gauge(
            "portal_http_requests_in_flight",
            "HTTP requests being served",
            registry=r,
            multiprocess_mode="livesum",
        )
        # livemin: 0 as soon as one live worker decides locally because the shared store does not answer.
        self.rate_limit_shared = Gauge(
            "portal_rate_limit_shared",
            "1 while rate limits are decided in the shared store (PORTAL_REDIS_URL), 0 while per worker",
            ["limiter"],
            registry=r,
            multiprocess_mode="livemin",
        )
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
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        # Every worker's files, read afresh per scrape: a registry of its own, never the per-app one (whose
        # collectors would add this worker's values a second time).
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.multiprocess_dir))
        return generate_latest(registry)
