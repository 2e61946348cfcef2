"""What a tool knows about its run: the authenticated principal and the per-turn record.

Identity is injected here by the runner from the authenticated channel; no tool takes a user
as an argument, so nothing the model writes can change who is acting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Protocol, TypedDict

from langchain_core.tools import InjectedToolArg

from billing.entities import PendingAction
from billing.principal import Principal
from billing.service import BillingService
from tools.links import LinkSigner


class Passage(Protocol):
    """A passage of the help articles, as the knowledge search returns it (read-only: retrievers return
    frozen dataclasses)."""

    @property
    def title(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def score(self) -> float: ...


class KnowledgeSearch(Protocol):
    # A Sequence (read-only, covariant), so a retriever's list of its own passage type satisfies it.
    def search(self, query: str, k: int = 4) -> Sequence[Passage]: ...


class Citation(TypedDict):
    """One help article a reply is based on."""

    title: str
    source: str
    heading: str
    score: float


class Handoff(TypedDict):
    """The support case a hand-off opened."""

    case_id: str
    queue: str
    assignee: str


@dataclass
class ToolCallRecord:
    """One tool call of the turn, its arguments masked, and whether the domain accepted it."""

    name: str
    args: dict[str, object]
    ok: bool
    error: str = ""  # the domain's error code when it refused the call

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "args": self.args, "ok": self.ok}


@dataclass
class TurnLog:
    """Side effects of one turn the runner reports: tool calls, citations, a proposal, a hand-off."""

    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    pending: PendingAction | None = None
    handoff: Handoff | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    ungrounded: list[str] = field(default_factory=list)  # fields of proposals refused as not given by the user

    def cite(self, passage: Passage) -> None:
        """One citation per article: several passages of one document are one source to a reader."""
        if all(c["source"] != passage.source for c in self.citations):
            self.citations.append(
                Citation(
                    title=passage.title,
                    source=passage.source,
                    heading=passage.heading,
                    score=round(float(passage.score), 3),
                )
            )


@dataclass
class AgentContext:
    """The run context of every tool call (LangChain `context_schema`)."""

    principal: Principal
    conversation_id: str
    billing: BillingService
    links: LinkSigner
    knowledge: KnowledgeSearch | None = None
    turn: TurnLog = field(default_factory=TurnLog)
    # What the user typed in this conversation, and what tools returned in it: proposals may carry
    # only values from these (tools/grounding.py). Filled by the runner from the stored history.
    said: list[str] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)
    deadline: float | None = None  # time.monotonic() by which a remote model must have finished the turn


@dataclass(frozen=True)
class ToolRun:
    """What the agent loop hands a tool besides the model's arguments: the turn's `AgentContext`."""

    context: object


class _TypedToolRun(Protocol):
    @property
    def context(self) -> AgentContext: ...


# Tools take `runtime: Runtime`: injected by the agent loop (agent/loop.py) and left out of the schema the model
# sees (`InjectedToolArg`). The checker sees its context as the `AgentContext`; at run time the field is `object`,
# because LangChain hands the tool's annotations to pydantic, which would otherwise validate (and copy) the whole
# context. Not LangChain's `ToolRuntime`: that one comes with LangGraph, ~0.8 s of every start (BENCHMARKS.md).
if TYPE_CHECKING:
    Runtime = Annotated[_TypedToolRun, InjectedToolArg]
else:
    Runtime = Annotated[ToolRun, InjectedToolArg]
