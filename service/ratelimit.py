"""Per-user token bucket, in process.

Each uvicorn worker has its own buckets, so with N workers a user gets up to N times the rate.
Acceptable for one host; for scale-out put the buckets in Redis (a Lua script doing the same
refill-and-take atomically) behind the same `take` interface.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
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

    @staticmethod
    def retry_after(wait: float) -> str:
        return str(max(1, math.ceil(wait)))
