"""Reliability and security tests (issue 10). Figures go to $RELIABILITY_REPORT when it is set
(see RELIABILITY.md). The long runs are marked `slow`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # rkit, corpora
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.service.service_kit

from rkit import make_world  # noqa: E402


@pytest.fixture
def world(tmp_path: Path):
    w = make_world(f"sqlite:///{tmp_path / 'portal.db'}")
    yield w
    w.engine.dispose()
