"""Limits and metrics across worker processes. They need Redis at 127.0.0.1:6379 (or
PORTAL_TEST_REDIS_URL); where it does not answer, the tests that need it are skipped and say why."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))  # service_kit, as tests/e2e imports it

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_unavailable(url: str) -> str | None:
    """None when Redis answers PING, else why not."""
    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError) as exc:
        return f"Redis does not answer at {url} ({type(exc).__name__}: {exc})"
    return None


REDIS_SKIP_REASON = redis_unavailable(REDIS_URL)


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"multiworker: Redis available at {REDIS_URL}"
        if REDIS_SKIP_REASON is None
        else f"multiworker: shared-limit tests SKIPPED — {REDIS_SKIP_REASON}"
    )


@pytest.fixture
def redis_url() -> str:
    if REDIS_SKIP_REASON:
        print(f"\nSKIP Redis: {REDIS_SKIP_REASON}")
        pytest.skip(REDIS_SKIP_REASON)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own (PORTAL_REDIS_PREFIX): runs sharing one Redis never meet, and only
    this test's keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
