"""Rate limits at the HTTP edge: the interface, and the embedded per-process token bucket.

`RateLimiter.take(key)` answers 0 when a request may go ahead, else the seconds until it would; the edge
turns that into 429 with Retry-After (service/api/deps.py). Two implementations:

- `TokenBucket` (the embedded default, no service needed): `burst` requests at once, refilled
  continuously at `rate_per_minute`. Each process has its own buckets, so behind N uvicorn workers a user
  gets up to N times the rate.
- `SharedRateLimiter` (service/ratelimit_redis.py), chosen when PORTAL_REDIS_URL is set: one moving window
  per key in Redis, shared by every worker and host, with the same burst and long-run rate. If Redis
  does not answer, it falls back to a `TokenBucket` per worker and says so in the log (why: see there).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class RateLimiter(Protocol):
    """What the edge needs from a rate limiter: a decision per key (a user, or a client address and kind)."""

    def take(self, key: str) -> float:
        """0 if allowed (and counted), else the seconds to wait before the next request would be."""
        ...


def retry_after(wait: float) -> str:
    """The Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(wait)))


@dataclass
class TokenBucket:
    """Per-key token bucket in this process: `burst` at once, refilled at `rate_per_minute`."""

    rate_per_minute: float
    burst: int
    clock: Callable[[], float] = time.monotonic
    _state: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> (tokens, last refill)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str, cost: float = 1.0) -> float:
        """0 if allowed, else the seconds to wait before the next request would be."""
        rate = self.rate_per_minute / 60.0
        with self._lock:
            now = self.clock()
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * rate)
            if tokens >= cost:
                self._state[key] = (tokens - cost, now)
                return 0.0
            self._state[key] = (tokens, now)
            if len(self._state) > 50_000:  # forget idle users: a full bucket is the default anyway
                self._state = {k: v for k, v in self._state.items() if now - v[1] < 3600}
            return (cost - tokens) / rate
