"""Explicit dialogue state, stored with the conversation.

The planner writes the state after every turn into the metadata of its final message
(`response_metadata["dialogue_state"]`), so it is persisted with the transcript, survives restarts
and is the same on every worker. The service's own messages (a decision, a cancellation) carry a
marker (`response_metadata["portal_service"]`) that the next turn folds into the state: the planner
never re-reads its own wording to find out what happened.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

STATE_KEY = "dialogue_state"
SERVICE_KEY = "portal_service"
VERSION = 1


@dataclass
class Frame:
    """A skill with the slots collected so far; `asked` is the slot the assistant asked for last."""

    skill: str
    slots: dict[str, Any] = field(default_factory=dict)
    asked: str | None = None


@dataclass
class Offer:
    """Something the assistant offered to do ("Would you like me to pay INV-2001?"): a yes starts it."""

    skill: str
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class Shown:
    """The items of the last list shown, in order ("the second one"): invoice or contract ids, user e-mails."""

    kind: str  # invoices | contracts | users
    ids: list[str]
    turn: int = 0


@dataclass
class DialogueState:
    frame: Frame | None = None  # the skill waiting for a value
    last: Frame | None = None  # the last skill carried out or proposed (corrections, "the other one too")
    offer: Offer | None = None
    shown: Shown | None = None
    focus: dict[str, str] = field(default_factory=dict)  # invoice_id / contract_id / user it is about
    focus_turn: int = 0  # the turn that last set the focus ("turn off auto renew" right after showing C-1001)
    parked: list[str] = field(default_factory=list)  # the second request of a message, for "next"
    turn: int = 0
    # The message came while a proposal waited and cancelled it: it is read as a reply to that proposal
    # ("and the postal code is 94107" corrects it). Not saved: it holds for this message only.
    replying_to_proposal: bool = False

    def context(self) -> str:
        """What the previous message left open, in the classifier's vocabulary (`acts.CONTEXTS`)."""
        if self.replying_to_proposal:
            return "proposal"
        if self.frame is not None and self.frame.asked:
            # "Which contracts?" is answered like "Which contract?": one context for both
            return f"asked:{self.frame.asked.removesuffix('s') if self.frame.asked == 'contract_ids' else self.frame.asked}"
        if self.offer is not None:
            return "offer"
        if self.shown is not None and self.shown.turn == self.turn - 1:
            return "shown"
        return "none"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("replying_to_proposal")
        return {"v": VERSION, **data}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DialogueState:
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return cls()
        frame, last, offer, shown = (data.get(k) for k in ("frame", "last", "offer", "shown"))
        return cls(
            frame=Frame(**frame) if frame else None,
            last=Frame(**last) if last else None,
            offer=Offer(**offer) if offer else None,
            shown=Shown(**shown) if shown else None,
            focus=dict(data.get("focus") or {}),
            focus_turn=int(data.get("focus_turn") or 0),
            parked=list(data.get("parked") or []),
            turn=int(data.get("turn") or 0),
        )


def service_marker(kind: str, **facts: Any) -> dict[str, Any]:
    """The metadata the service puts on its own messages (decisions, cancellations, questions)."""
    return {SERVICE_KEY: {"kind": kind, **facts}}


def load(
    history: list[BaseMessage], skill_of_operation: dict[str, str], slots_of: Any = lambda skill, args: dict(args)
) -> DialogueState:
    """The state before the last human message: the planner's last saved state plus what the service did since."""
    before = history[: _last_human(history)]
    state, start = DialogueState(), 0
    for i in range(len(before) - 1, -1, -1):
        saved = _meta(before[i]).get(STATE_KEY)
        if saved is not None:
            state, start = DialogueState.from_dict(saved), i + 1
            break
    for message in before[start:]:
        marker = _meta(message).get(SERVICE_KEY)
        if marker:
            _apply_marker(state, marker, skill_of_operation, slots_of)
    last = _meta(before[-1]).get(SERVICE_KEY) if before else None
    state.replying_to_proposal = bool(last and last.get("kind") == "cancelled")
    state.turn += 1
    return state


def _last_human(history: list[BaseMessage]) -> int:
    for i in range(len(history) - 1, -1, -1):
        if isinstance(history[i], HumanMessage):
            return i
    return len(history)


def _meta(message: BaseMessage) -> dict[str, Any]:
    return (message.response_metadata or {}) if isinstance(message, AIMessage) else {}


def _apply_marker(
    state: DialogueState, marker: dict[str, Any], skill_of_operation: dict[str, str], slots_of: Any
) -> None:
    """A decision or a cancellation closes the proposal; the skill stays the one a follow-up refers to."""
    if marker.get("kind") not in ("decision", "cancelled"):
        return
    skill = skill_of_operation.get(str(marker.get("operation", "")))
    args = dict(marker.get("args") or {})
    if skill and (state.last is None or state.last.skill != skill):
        state.last = Frame(skill, slots_of(skill, args))
    for key in ("invoice_id", "contract_id"):
        if args.get(key):
            state.focus[key] = str(args[key])
            state.focus_turn = state.turn
    if "@" in str(args.get("email") or ""):  # "give him C-1002 as well": the person just invited or granted
        state.focus["user"] = str(args["email"])
    state.frame, state.offer = None, None
