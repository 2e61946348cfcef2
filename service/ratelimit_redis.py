"""The rate limit shared by every worker and host: a moving window in Redis (the `limits` library).

Why a moving window. The embedded `TokenBucket` promises two things: at most `burst` requests at once,
and `rate_per_minute` in the long run. A moving window of `burst` requests per `burst / rate` minutes
keeps both: never more than `burst` in any such window, and the same long-run rate. A fixed window
would let a user spend the burst at the end of one window and again at the start of the next, twice
the burst within a second. The difference from the bucket: it refills in a step, not continuously;
after a full burst the next request waits until the oldest one leaves the window, and Retry-After
says exactly when that is. Memory in Redis: at most `burst` timestamps per active key, expiring
with the window.

Why fail open (to per-worker limits) when Redis does not answer. The portal's safety does not rest on
the rate limit: confirmation, single-use pending actions and idempotency are enforced in the
database. Refusing every request because an auxiliary store is down would turn a Redis outage into a
portal outage, and customers paying an overdue invoice would be refused with everyone else. So each
worker falls back to its own `TokenBucket`: still limited, as in the embedded default (at most N
times the limit behind N workers), logged once as a warning, shown as `portal_rate_limit_shared 0`,
and Redis is tried again a few seconds later. Short socket timeouts keep a hung Redis from holding
requests.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

from service.ratelimit import TokenBucket

log = logging.getLogger("portal_agent.ratelimit")

REDIS_TIMEOUT_SECONDS = 0.25  # a request waits at most about this long for a Redis that hangs
RETRY_REDIS_AFTER_SECONDS = 5.0  # after a failure, decide locally for this long before trying Redis again


def window_for(rate_per_minute: float, burst: int) -> RateLimitItemPerSecond:
    """`burst` requests per `burst / rate` minutes (whole seconds, at least one)."""
    return RateLimitItemPerSecond(burst, max(1, round(burst * 60 / rate_per_minute)))


def redacted(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class SharedRateLimiter:
    """`RateLimiter` over Redis: one moving window per key, the same for every worker and host.

    Keys are hashed before they reach Redis, so e-mail addresses and client addresses are not stored in a
    cache that is often less guarded than the database. `on_shared(True|False)` reports whether decisions
    are currently shared (the `portal_rate_limit_shared` gauge).
    """

    def __init__(
        self,
        url: str,
        rate_per_minute: float,
        burst: int,
        namespace: str,
        *,
        prefix: str = "portal",
        on_shared: Callable[[bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url, self.namespace = redacted(url), namespace
        self.window = window_for(rate_per_minute, burst)
        # No connection is made here: a Redis that is down at start-up must not stop the service starting.
        storage = RedisStorage(
            url,
            key_prefix=f"{prefix}:ratelimit:{namespace}",
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        self._shared = MovingWindowRateLimiter(storage)
        self._local = TokenBucket(rate_per_minute, burst, clock=clock)
        self._clock, self._on_shared = clock, on_shared or (lambda shared: None)
        self._lock = threading.Lock()
        self._retry_at: float | None = None  # set while Redis is considered down
        self._on_shared(True)

    def take(self, key: str) -> float:
        """0 if allowed (and counted), else the seconds until the next request would be."""
        retry_at = self._retry_at
        if retry_at is not None and self._clock() < retry_at:
            return self._local.take(key)
        try:
            wait = self._take_shared(hashlib.sha256(key.encode()).hexdigest()[:32])
        except StorageError as error:
            self._went_down(error.storage_error)
            return self._local.take(key)
        if retry_at is not None:
            self._came_back()
        return wait

    def _take_shared(self, key: str) -> float:
        if self._shared.hit(self.window, key):
            return 0.0
        reset_at, _ = self._shared.get_window_stats(self.window, key)
        return max(reset_at - time.time(), 0.001)  # refused: never 0, which would read as allowed

    def _went_down(self, error: Exception) -> None:
        with self._lock:
            first = self._retry_at is None
            self._retry_at = self._clock() + RETRY_REDIS_AFTER_SECONDS
        if first:
            self._on_shared(False)
            log.warning(
                "Redis at %s did not answer (%s): %s rate limits fall back to this worker's own buckets "
                "(up to N times the limit behind N workers) and Redis is tried again every %.0f s",
                self.url,
                type(error).__name__,
                self.namespace,
                RETRY_REDIS_AFTER_SECONDS,
            )

    def _came_back(self) -> None:
        with self._lock:
            was_down, self._retry_at = self._retry_at is not None, None
        if was_down:
            self._on_shared(True)
            log.info("Redis at %s answers again: %s rate limits are shared again", self.url, self.namespace)
