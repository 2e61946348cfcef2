"""Clocks: the system clock (optionally pinned to a day) and a fixed clock for tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class SystemClock:
    """Real time; `pinned_today` (PORTAL_TODAY) fixes the business date for tests and evals."""

    pinned_today: dt.date | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        return self.pinned_today or self.now().date()


@dataclass
class FixedClock:
    """A clock that only moves when told to."""

    current: dt.datetime = field(default_factory=lambda: dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC))

    def now(self) -> dt.datetime:
        return self.current

    def today(self) -> dt.date:
        return self.current.date()

    def advance(self, **delta: float) -> None:
        self.current += dt.timedelta(**delta)
