"""The shared rate limiter against a real Redis: one moving window for every worker, Retry-After from it,
keys hashed, and per-worker buckets (said once in the log) while Redis does not answer."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import redis
from limits.errors import StorageError
from mwkit import free_port

from service.ratelimit_redis import (
    REDIS_TIMEOUT_SECONDS,
    RETRY_REDIS_AFTER_SECONDS,
    SharedRateLimiter,
    window_for,
)


def test_the_window_keeps_the_buckets_burst_and_long_run_rate():
    assert (window_for(60, 20).amount, window_for(60, 20).get_expiry()) == (20, 20)  # 20 at once, 60 a minute
    assert window_for(1, 3).get_expiry() == 180
    assert window_for(6000, 1).get_expiry() == 1  # never shorter than a second


def test_two_limiters_on_one_redis_spend_one_window(redis_url, redis_prefix):
    """Two limiters stand for two workers: alternating between them, the user still gets the burst once."""
    worker_a, worker_b = (SharedRateLimiter(redis_url, 1, 4, "user", prefix=redis_prefix) for _ in range(2))
    waits = [(worker_a if i % 2 else worker_b).take("alice@acme.example") for i in range(10)]
    assert waits[:4] == [0.0] * 4 and all(w > 0 for w in waits[4:]), waits
    assert 230 < waits[-1] <= 240  # until the oldest of the 4 leaves the 240 s window
    assert worker_a.take("bob@acme.example") == 0.0  # each user has a window of their own
    keys = redis.Redis.from_url(redis_url).keys(f"{redis_prefix}:*")
    assert keys and not any(b"alice" in k or b"bob" in k for k in keys)  # no e-mail addresses in Redis


def test_redis_down_falls_back_to_this_workers_buckets_and_says_so_once(caplog):
    states: list[bool] = []
    url = f"redis://:s3cret@127.0.0.1:{free_port()}/0"  # nothing listens there
    limiter = SharedRateLimiter(url, 1, 3, "user", on_shared=states.append)
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="portal_agent.ratelimit"):
        waits = [limiter.take("alice@acme.example") for _ in range(5)]
    assert waits[:3] == [0.0] * 3 and waits[3] > 0 and waits[4] > 0  # still limited, by this worker alone
    assert time.monotonic() - started < 2  # one failed attempt, then local decisions until the retry
    assert states == [True, False]
    (warning,) = [r for r in caplog.records if r.name == "portal_agent.ratelimit"]
    assert warning.levelno == logging.WARNING and "fall back to this worker's own buckets" in warning.getMessage()
    assert "s3cret" not in warning.getMessage() and "127.0.0.1" in warning.getMessage()


def test_a_redis_that_hangs_holds_one_request_for_the_timeout_only():
    """A server that accepts connections and never answers (a frozen Redis): the socket timeout, no retries."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        limiter = SharedRateLimiter(f"redis://127.0.0.1:{hung.getsockname()[1]}/0", 1, 3, "user")
        started = time.monotonic()
        assert limiter.take("alice@acme.example") == 0.0
        assert time.monotonic() - started < REDIS_TIMEOUT_SECONDS * 3
        started = time.monotonic()
        assert [limiter.take("alice@acme.example") > 0 for _ in range(3)] == [False, False, True]
        assert time.monotonic() - started < 0.05  # decided locally until the retry time


def test_shared_again_once_redis_answers(redis_url, redis_prefix, monkeypatch, caplog):
    now = [1000.0]
    states: list[bool] = []
    limiter = SharedRateLimiter(
        redis_url, 1, 2, "user", prefix=redis_prefix, on_shared=states.append, clock=lambda: now[0]
    )
    assert limiter.take("alice@acme.example") == 0.0  # 1 of 2 spent in Redis

    def down(*args: object, **kwargs: object) -> bool:
        raise StorageError(redis.ConnectionError("Connection refused"))

    with monkeypatch.context() as patch, caplog.at_level(logging.INFO, logger="portal_agent.ratelimit"):
        patch.setattr(limiter._shared, "hit", down)
        assert [limiter.take("alice@acme.example") > 0 for _ in range(3)] == [False, False, True]  # local bucket
        now[0] += RETRY_REDIS_AFTER_SECONDS + 1
        # still down at the retry: local again, no second warning
        assert limiter.take("bob@acme.example") == 0.0
    now[0] += RETRY_REDIS_AFTER_SECONDS + 1
    assert limiter.take("alice@acme.example") == 0.0  # Redis again: its window had 1 of 2
    assert limiter.take("alice@acme.example") > 0
    assert states == [True, False, True]
    messages = [r.getMessage() for r in caplog.records if r.name == "portal_agent.ratelimit"]
    assert len(messages) == 1 and "fall back" in messages[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379"])
def test_a_url_that_is_not_redis_is_refused_at_start(url):
    from pydantic import ValidationError

    from bootstrap.settings import Settings

    with pytest.raises(ValidationError, match="PORTAL_REDIS_URL must start with"):
        Settings(_env_file=None, portal_redis_url=url)
    assert Settings(_env_file=None, portal_redis_url="").portal_redis_url is None
