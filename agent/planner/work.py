"""One planning step's view of the turn: the tool calls already answered, replayed in order.

The planner is called again after every tool result (the agent loop). Its handlers are written as
straight-line code: `work.call(tool, args)` returns the result when that call was already made this
turn, and otherwise stops planning with `NeedCall`, which becomes the model's next tool call. The
same state and message always produce the same calls, so the replay is exact.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from agent.planner.history import Step, Turn
from agent.planner.state import DialogueState

MAX_STEPS = 8  # tool calls in one turn; more means something is looping


@dataclass(frozen=True)
class Call:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True)
class Say:
    text: str


class NeedCall(Exception):
    """Planning stops here: this tool call must be made (and answered) first."""

    def __init__(self, call: Call) -> None:
        super().__init__(call.name)
        self.call = call


class TooManySteps(Exception):
    """The turn made `MAX_STEPS` tool calls without finishing."""


@dataclass
class Work:
    """The tool results of this turn so far, the state before the turn and the state being built."""

    steps: list[Step]
    before: DialogueState
    earlier: list[Turn] = field(default_factory=list)
    state: DialogueState = field(init=False)
    cursor: int = 0
    wrote: bool = False  # a write was proposed in this turn (one proposal per turn)
    answered_from: str = ""  # the help article the last answer came from
    gaps: list[str] = field(default_factory=list)  # what the last question asked that no article mentions
    message: str = ""  # the user's message of this turn, whole (a reply may depend on how it was asked)

    def __post_init__(self) -> None:
        self.state = copy.deepcopy(self.before)
        self.state.offer = None  # an offer is answered in the next message or lapses

    def call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        """The result of this tool call, made earlier in the turn; otherwise stop with `NeedCall`."""
        if self.cursor < len(self.steps):
            step = self.steps[self.cursor]
            if step.name == name and step.args == args and step.result is not None:
                self.cursor += 1
                return step.result
        if len(self.steps) >= MAX_STEPS:
            raise TooManySteps(name)
        raise NeedCall(Call(name, args))
