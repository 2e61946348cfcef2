"""Static files of the web surface: the embeddable chat widget, the demo page, page shells."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

WEB_DIR = Path(__file__).parent


@lru_cache(maxsize=16)
def read_text(name: str) -> str:
    return (WEB_DIR / name).read_text(encoding="utf-8")
