"""What a trial produced: one record per user step (a message or a button press), and its scores."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import NotRequired, TypedDict

from pydantic import JsonValue

from tools.context import Handoff


class ToolCallView(TypedDict):
    """A tool call as the turn result reports it."""

    name: str
    args: dict[str, JsonValue]
    ok: bool


class CitationView(TypedDict, total=False):
    """A cited passage as the turn result reports it."""

    title: str
    source: str
    heading: str
    score: float


class PendingView(TypedDict):
    """The action proposed in a turn, as shown with Confirm / Reject."""

    id: str
    tool: str
    args: dict[str, JsonValue]
    summary: str
    expires_at: str


class DecidedView(TypedDict):
    """The action a step decided: its outcome and, when known, the operation it was."""

    id: str
    status: str
    result: Mapping[str, object]
    tool: NotRequired[str | None]


class TableChanges(TypedDict):
    """One table's differences against the seeded state, as a report holds them."""

    inserted: dict[str, dict[str, JsonValue]]
    deleted: dict[str, dict[str, JsonValue]]
    updated: dict[str, dict[str, list[JsonValue]]]  # key -> field -> [before, after]


@dataclass
class StepRecord:
    kind: str  # say | confirm | reject
    text: str  # what the user typed ("" for a button)
    reply: str = ""
    tool_calls: list[ToolCallView] = field(default_factory=list)
    citations: list[CitationView] = field(default_factory=list)
    pending: PendingView | None = None  # the action proposed (shown with Confirm/Reject) after this step
    decided: DecidedView | None = None  # the action decided by this step (typed yes/no or a button)
    handoff: Handoff | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    offered: str | None = None  # id of the action awaiting a decision when this step started
    confirm_step: bool = False  # the user explicitly confirmed here (button, or a bare typed "yes")
    executed: list[str] = field(default_factory=list)  # action ids that became executed during this step
    changed: list[str] = field(default_factory=list)  # billing tables that changed during this step
    input_tokens: int = 0
    output_tokens: int = 0
    ms: float = 0.0
    model: str = ""
    degraded: bool = False
    guard: list[str] = field(default_factory=list)  # why the model's reply was replaced, or a proposal refused
    error: str | None = None
    note: str | None = None

    def visible_text(self) -> str:
        """Everything the user is shown for this step."""
        parts = [self.reply]
        if self.pending:
            parts.append(str(self.pending.get("summary", "")))
        parts += [str(link.get("title", "")) for link in self.links]
        if self.handoff:
            parts.append(" ".join(str(v) for v in self.handoff.values()))
        return "\n".join(p for p in parts if p)


@dataclass
class TrialResult:
    scenario_id: str
    suite: str
    trial: int
    passed: bool
    failures: dict[str, list[str]]  # check name -> failed assertions
    steps: list[StepRecord]
    # table -> {inserted, deleted, updated} against the seeded state; "_stop" -> why the conversation ended
    end_diff: dict[str, TableChanges | str]
    seconds: float
    crashed: bool = False

    @property
    def tool_calls(self) -> int:
        return sum(len(s.tool_calls) for s in self.steps)

    @property
    def tokens(self) -> int:
        return sum(s.input_tokens + s.output_tokens for s in self.steps)

    @property
    def turn_ms(self) -> list[float]:
        return [s.ms for s in self.steps]

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = asdict(self)
        data.update(tool_calls=self.tool_calls, tokens=self.tokens)
        return data
