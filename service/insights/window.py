"""The period an insight covers: [since, until) in UTC, from `7d`, `12h` or an ISO date or time."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MAX_DAYS = 366  # a chart of one bar per day stays readable, and the query bounded
_RELATIVE = re.compile(r"(\d{1,4})([dh])")
SINCE_HELP = "how far back: Nd (days), Nh (hours) or an ISO date or time (UTC), e.g. 7d, 12h, 2026-03-01"


class InvalidWindow(ValueError):
    """A `since` or `until` that names no period the insights can cover."""


@dataclass(frozen=True)
class Window:
    """[since, until): both aware UTC datetimes."""

    since: dt.datetime
    until: dt.datetime

    def days(self) -> list[dt.date]:
        """Every UTC day the window touches, in order (a day with no turn still gets its bar)."""
        last = (self.until - dt.timedelta(microseconds=1)).date()
        count = (last - self.since.date()).days + 1
        return [self.since.date() + dt.timedelta(days=n) for n in range(count)]


def parse_window(since: str, now: dt.datetime, until: str | None = None) -> Window:
    """The window from `since` to `until` (default: now). Raises `InvalidWindow` saying what is accepted."""
    end = _moment(until, now) if until else now
    start = _moment(since, end)
    if start >= end:
        raise InvalidWindow(f"since ({start.isoformat()}) must be before until ({end.isoformat()})")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise InvalidWindow(f"a window covers at most {MAX_DAYS} days")
    return Window(start, end)


def _moment(text: str, before: dt.datetime) -> dt.datetime:
    value = text.strip().lower()
    relative = _RELATIVE.fullmatch(value)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return before - (dt.timedelta(days=amount) if unit == "d" else dt.timedelta(hours=amount))
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidWindow(f"{text!r} is not a period: {SINCE_HELP}") from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
