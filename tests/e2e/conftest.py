"""End-to-end fixtures reuse the API test kit (tests/service/service_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "service"))
