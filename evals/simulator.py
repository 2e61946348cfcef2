"""The user's side of a conversation: scripted turns, or an LLM playing the customer toward a goal.

The simulated user keeps talking until the goal's end state holds in the database (or a turn limit
is hit): saying "yes" is not the end of a task, the confirmed change is. When it thinks it is done
but the goal is not met, it is told so and carries on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from evals.scenarios import Scenario
from evals.session import Session

DONE = "###DONE###"
CONFIRM, REJECT = "[CONFIRM]", "[REJECT]"
NOT_DONE = (
    "(Note from the test harness, not the assistant: your goal is not achieved yet; nothing you asked "
    "for has taken effect in the portal. Keep going: ask again, correct the assistant, or confirm.)"
)

USER_PROMPT = """You are role-playing a customer who is chatting with the Billing Portal's assistant.
You are signed in as {user}. Your goal:
{goal}

Rules:
- Write only what the customer would type: one short message at a time, plain English.
- Reveal details (invoice numbers, PO numbers, addresses) when they help or when asked.
- When the assistant shows a proposed change with Confirm/Reject buttons and it is what you want,
  press the button by writing exactly {confirm} (or {reject} if it is wrong). You may also type "yes".
- Do not invent facts that are not in your goal. Never type card numbers unless your goal says so.
- When your goal is fully achieved, write exactly {done}.
"""


def play_scripted(scenario: Scenario, session: Session) -> None:
    for step in scenario.steps:
        if step.kind == "say":
            session.say(step.text)
        else:
            session.press(step.kind == "confirm")


class LLMUser:
    """Plays the customer with a chat model; the assistant's replies are its 'human' input."""

    def __init__(self, model: BaseChatModel, scenario: Scenario) -> None:
        self.model = model
        self.messages: list[BaseMessage] = [
            SystemMessage(
                USER_PROMPT.format(user=scenario.user, goal=scenario.goal, confirm=CONFIRM, reject=REJECT, done=DONE)
            )
        ]

    def next(self, assistant_said: str | None) -> str:
        self.messages.append(HumanMessage(assistant_said or "(The chat window is open. Write your first message.)"))
        reply = self.model.invoke(self.messages)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        self.messages.append(AIMessage(text))
        return text.strip()


def _shown(session: Session) -> str:
    last = session.steps[-1]
    text = last.reply
    if last.pending:
        text += f"\n[Proposed change awaiting your decision: {last.pending['summary']} — buttons: Confirm / Reject]"
    return text


def play_simulated(scenario: Scenario, session: Session, model: BaseChatModel, goal_met: Callable[[], bool]) -> str:
    """Returns why it stopped: goal_met | turn_limit. A premature "done" costs a turn, never ends the run."""
    user = LLMUser(model, scenario)
    said: str | None = None
    for _ in range(scenario.max_turns):
        text = user.next(said)
        if DONE in text:
            if goal_met():
                return "goal_met"
            said = NOT_DONE
            continue
        button = re.search(r"\[(CONFIRM|REJECT)\]", text)
        if button:
            session.press(button.group(1) == "CONFIRM")
        else:
            session.say(text)
        if goal_met():
            return "goal_met"
        said = _shown(session)
    return "turn_limit"
