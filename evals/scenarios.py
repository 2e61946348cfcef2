"""Scenario suites: YAML files under evals/suites/<suite>.yaml or evals/suites/<suite>/*.yaml.

A scenario names the signed-in user, a pinned date, the user's side of the conversation (scripted
turns, or a goal for a simulated user) and the expected outcome: the end state of the database (as
the only changes allowed against the freshly seeded demo world), facts the replies must contain and
things that must never appear in them. See evals/README.md for the format.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SUITES_DIR = Path(__file__).parent / "suites"
DEFAULT_TODAY = dt.date(2026, 6, 15)


class ScenarioError(ValueError):
    """A scenario file does not follow the format (named with file and scenario id)."""


@dataclass(frozen=True)
class TurnExpect:
    """Optional checks on one turn's result (end state is still what matters most)."""

    pending: str | None = None  # the operation that must be proposed in this turn
    no_pending: bool = False
    reply: tuple[str, ...] = ()  # regexes, case-insensitive, all must match
    reply_not: tuple[str, ...] = ()
    citations: bool | None = None  # True: at least one citation; False: none
    cite: tuple[str, ...] = ()  # substrings of cited sources (e.g. "paying-invoices")
    handoff: str | None = None  # queue of the case opened this turn
    executed: str | None = None  # the operation a typed/button decision executed in this step


@dataclass(frozen=True)
class Step:
    kind: str  # say | confirm | reject
    text: str = ""
    expect: TurnExpect = field(default_factory=TurnExpect)


@dataclass(frozen=True)
class Change:
    """One expected difference against the seeded state."""

    op: str  # update | insert | delete
    table: str
    key: str | None = None  # primary key (update)
    values: dict[str, object] = field(default_factory=dict)  # `set` for update, `where` for insert/delete
    count: int = 1  # insert/delete: exactly this many rows match


@dataclass(frozen=True)
class Expect:
    changes: tuple[Change, ...] = ()  # nothing else may change in the state tables
    allow: tuple[str, ...] = ()  # state tables where extra changes are tolerated (e.g. support_cases)
    replies: tuple[str, ...] = ()  # regexes some reply must match (case-insensitive)
    replies_not: tuple[str, ...] = ()  # regexes no reply may match
    outbox: tuple[dict[str, object], ...] = ()  # mails that must be queued (field equality)
    leaks: tuple[str, ...] = ()  # extra literal strings that must never be shown to this user


@dataclass(frozen=True)
class Scenario:
    id: str
    suite: str
    user: str
    title: str = ""
    today: dt.date = DEFAULT_TODAY
    steps: tuple[Step, ...] = ()
    goal: str | None = None  # for the LLM user simulator
    max_turns: int = 8
    expect: Expect = field(default_factory=Expect)
    inject_passage: dict[str, str] | None = None  # a poisoned knowledge passage added to every search
    tags: tuple[str, ...] = ()
    source: str = ""

    @property
    def user_texts(self) -> list[str]:
        return [s.text for s in self.steps if s.kind == "say"]


def _tuple(value: object) -> tuple[str, ...]:
    """One string or a list of them (patterns, table names, tags)."""
    if value is None:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _mapping(value: object, what: str) -> Mapping[str, object]:
    """A YAML mapping (none at all is an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(f"{what} is a mapping, not {value!r}")
    return value


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ScenarioError(f"{what} is a number, not {value!r}")
    return int(value)


def _turn_expect(value: object) -> TurnExpect:
    raw = _mapping(value, "a turn expectation")
    known = set(TurnExpect.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ScenarioError(f"unknown turn expectation(s): {sorted(unknown)}")
    citations = raw.get("citations")
    return TurnExpect(
        pending=_text(raw.get("pending")),
        no_pending=bool(raw.get("no_pending", False)),
        reply=_tuple(raw.get("reply")),
        reply_not=_tuple(raw.get("reply_not")),
        citations=None if citations is None else bool(citations),
        cite=_tuple(raw.get("cite")),
        handoff=_text(raw.get("handoff")),
        executed=_text(raw.get("executed")),
    )


def _step(raw: object) -> Step:
    if isinstance(raw, str):
        return Step("say", raw)
    if not isinstance(raw, dict):
        raise ScenarioError(f"a turn is text or a mapping, not {raw!r}")
    expect = _turn_expect(raw.get("expect"))
    if "say" in raw:
        return Step("say", str(raw["say"]), expect)
    if raw.get("confirm") is True:
        return Step("confirm", "", expect)
    if raw.get("reject") is True:
        return Step("reject", "", expect)
    raise ScenarioError(f"a turn mapping needs `say`, `confirm: true` or `reject: true`: {raw!r}")


def _change(value: object) -> Change:
    raw = _mapping(value, "a change")
    if len(raw) != 1 or next(iter(raw)) not in ("update", "insert", "delete"):
        raise ScenarioError(f"a change is one of update/insert/delete: {raw!r}")
    op, content = next(iter(raw.items()))
    body = _mapping(content, f"the body of {op}")
    if "table" not in body:
        raise ScenarioError(f"a change needs a table: {raw!r}")
    table = str(body["table"])
    if op == "update":
        if "id" not in body or not body.get("set"):
            raise ScenarioError(f"an update needs `id` and `set`: {raw!r}")
        return Change(op, table, str(body["id"]), dict(_mapping(body["set"], "`set`")))
    return Change(op, table, None, dict(_mapping(body.get("where"), "`where`")), _int(body.get("count", 1), "`count`"))


def _list(value: object, what: str) -> list[object]:
    """A YAML list (none at all is an empty one)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ScenarioError(f"{what} is a list, not {value!r}")
    return value


def _expect(value: object) -> Expect:
    raw = _mapping(value, "`expect`")
    unknown = set(raw) - set(Expect.__dataclass_fields__)
    if unknown:
        raise ScenarioError(f"unknown expectation(s): {sorted(unknown)}")
    return Expect(
        tuple(_change(c) for c in _list(raw.get("changes"), "`changes`")),
        _tuple(raw.get("allow")),
        _tuple(raw.get("replies")),
        _tuple(raw.get("replies_not")),
        tuple(dict(_mapping(m, "a queued e-mail")) for m in _list(raw.get("outbox"), "`outbox`")),
        _tuple(raw.get("leaks")),
    )


def _scenario(raw: Mapping[str, object], suite: str, defaults: Mapping[str, object], source: str) -> Scenario:
    merged = {**defaults, **raw}
    sid = merged.get("id")
    try:
        if not sid or not merged.get("user"):
            raise ScenarioError("`id` and `user` are required")
        steps = tuple(_step(t) for t in _list(merged.get("turns"), "`turns`"))
        if not steps and not merged.get("goal"):
            raise ScenarioError("a scenario needs `turns` or a `goal`")
        day = merged.get("today", DEFAULT_TODAY)  # YAML reads an unquoted date as a date
        today = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        return Scenario(
            str(sid),
            suite,
            str(merged["user"]).lower(),
            str(merged.get("title", "")),
            today,
            steps,
            _text(merged.get("goal")),
            _int(merged.get("max_turns", 8), "`max_turns`"),
            _expect(merged.get("expect")),
            _passage(merged.get("inject_passage")),
            _tuple(merged.get("tags")),
            source,
        )
    except ScenarioError as error:
        raise ScenarioError(f"{source}: scenario {sid!r}: {error}") from None


def _passage(value: object) -> dict[str, str] | None:
    return None if value is None else {k: str(v) for k, v in _mapping(value, "`inject_passage`").items()}


def load_file(path: Path, suite: str | None = None) -> list[Scenario]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    suite = str(data.get("suite") or suite or path.stem)
    defaults = dict(data.get("defaults") or {})
    return [_scenario(raw, suite, defaults, path.name) for raw in data.get("scenarios") or ()]


def suite_paths(root: Path = SUITES_DIR) -> dict[str, list[Path]]:
    """suite name -> its YAML files (a file per suite, or a folder of files)."""
    found: dict[str, list[Path]] = {}
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            files = sorted(entry.glob("*.yaml"))
            if files:
                found[entry.name] = files
        elif entry.suffix == ".yaml":
            found.setdefault(entry.stem, []).append(entry)
    return found


def load_suites(names: list[str] | None = None, root: Path = SUITES_DIR) -> dict[str, list[Scenario]]:
    """The named suites (all when `names` is empty), ids unique across them."""
    paths = suite_paths(root)
    unknown = set(names or ()) - set(paths)
    if unknown:
        raise ScenarioError(f"unknown suite(s) {sorted(unknown)}; known: {sorted(paths)}")
    suites = {name: [s for p in paths[name] for s in load_file(p, name)] for name in (names or sorted(paths))}
    seen: set[str] = set()
    for scenarios in suites.values():
        for s in scenarios:
            if s.id in seen:
                raise ScenarioError(f"duplicate scenario id {s.id!r}")
            seen.add(s.id)
    return suites
