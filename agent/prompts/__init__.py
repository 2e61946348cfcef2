"""Versioned policy prompts (markdown with a front-matter version)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent
CURRENT = "policy_v2.md"


@lru_cache(maxsize=4)
def policy_prompt(name: str = CURRENT) -> str:
    text = (HERE / name).read_text(encoding="utf-8")
    if text.startswith("---"):
        text = text.split("---", 2)[2]
    return text.strip()
