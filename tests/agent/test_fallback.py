"""The runner falls back to the built-in planner when the remote model or its client fails, and only then:
a programming error surfaces as one instead of passing for "the model is unavailable"."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from agent.errors import DeadlineExceeded, IncompleteResponse
from agent.events import DoneEvent, ReplaceEvent
from agent.planner import OfflinePlanner
from agent.runner import DEGRADED_NOTE
from agent.scripted import ScriptedChatModel
from tests.agent.conftest import ALICE

REQUEST = httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.mark.parametrize(
    "failure",
    [
        openai.APITimeoutError(REQUEST),
        openai.InternalServerError("upstream", response=httpx.Response(500, request=REQUEST), body=None),
        httpx.ConnectError("refused", request=REQUEST),
        IncompleteResponse("the stream ended early"),
        DeadlineExceeded("the turn's deadline passed"),
    ],
)
def test_a_failing_model_falls_back_and_says_so(world: Any, failure: Exception) -> None:
    runner = world.runner(ScriptedChatModel(fail_with=failure), OfflinePlanner())
    events = list(runner.iter_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices"))
    assert isinstance(events[-1], DoneEvent)
    turn = events[-1].result
    assert turn.degraded and turn.reply.startswith(DEGRADED_NOTE) and "INV-1001" in turn.reply
    # anything the failed attempt streamed is withdrawn before the built-in assistant's tokens
    assert events[0] == ReplaceEvent(reply="", reasons=("model_failed",))


@pytest.mark.parametrize("bug", [KeyError("invoice_id"), AttributeError("'NoneType' has no attribute 'id'")])
def test_a_programming_error_is_not_passed_off_as_an_unavailable_model(world: Any, bug: Exception) -> None:
    runner = world.runner(ScriptedChatModel(fail_with=bug), OfflinePlanner())
    with pytest.raises(type(bug)):
        runner.run_turn(ALICE, runner.start_conversation(ALICE).id, "show my invoices")
