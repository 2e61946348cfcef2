"""The provider path end to end: the eval runs the `openai` variant (ChatOpenAI over httpx, as the
service builds it) against recorded Chat Completions responses served by respx. No real request can
leave: respx refuses unmatched requests, sockets are blocked, and the test proves its routes were hit.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from agent.models import ModelConfig
from evals.scenarios import load_file
from evals.variants import Variant, openai_variant

HERE = Path(__file__).parent / "recorded"
BASE_URL = "https://api.openai.com/v1"


def _chunks(completion: dict[str, Any]) -> bytes:
    """The same response as the API streams it: chat.completion.chunk events, a usage event, [DONE]."""
    head = {k: completion[k] for k in ("id", "created", "model", "service_tier", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    choice, message = completion["choices"][0], completion["choices"][0]["message"]
    events = []
    if message.get("tool_calls"):
        for i, tc in enumerate(message["tool_calls"]):
            events.append(
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": i,
                            "id": tc["id"],
                            "type": "function",
                            "function": {"name": tc["function"]["name"], "arguments": ""},
                        }
                    ],
                }
            )
            events.append({"tool_calls": [{"index": i, "function": {"arguments": tc["function"]["arguments"]}}]})
    else:
        events.append({"role": "assistant", "content": "", "refusal": None})
        words = message["content"].split(" ")
        events += [{"content": w + (" " if i < len(words) - 1 else "")} for i, w in enumerate(words)]
    body = [
        {**head, "choices": [{"index": 0, "delta": d, "logprobs": None, "finish_reason": None}], "usage": None}
        for d in events
    ]
    body.append(
        {
            **head,
            "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": choice["finish_reason"]}],
            "usage": None,
        }
    )
    body.append({**head, "choices": [], "usage": completion["usage"]})
    return "".join(f"data: {json.dumps(e)}\n\n" for e in body).encode() + b"data: [DONE]\n\n"


class Replayer:
    """Serves each scenario's recorded responses in order; records every request body."""

    def __init__(self, recorded: dict[str, list[dict[str, Any]]]) -> None:
        self.queue = [r for sid in recorded if not sid.startswith("_") for r in recorded[sid]]
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        completion = self.queue.pop(0)
        if body.get("stream"):
            return httpx.Response(200, content=_chunks(completion), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=completion)


@pytest.fixture
def recorded_run(run_variant: Any, no_network: None, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Replayer, Any]:
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    recorded = json.loads((HERE / "openai_responses.json").read_text())
    scenarios = load_file(HERE / "openai_suite.yaml")
    assert [s.id for s in scenarios] == [k for k in recorded if not k.startswith("_")]
    replayer = Replayer(recorded)
    cfg = ModelConfig(
        "openai", "gpt-4.1-mini", "sk-test-not-a-real-key-000000000000", BASE_URL, timeout=5, max_retries=0
    )
    variant: Variant = openai_variant(cfg, simulate_users=False)
    with respx.mock(assert_all_called=True, assert_all_mocked=True) as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(side_effect=replayer)
        run = run_variant(variant, scenarios, workers=1)  # one thread: the responses are replayed in order
    return run, replayer, route


def test_recorded_openai_suite_passes_through_the_provider_path(recorded_run: tuple[Any, Replayer, Any]) -> None:
    run, replayer, route = recorded_run
    results = {sr.scenario.id: sr.trials[0] for sr in run.suites[0].scenarios}
    assert {sid: r.failures for sid, r in results.items() if not r.passed} == {}
    assert route.called and route.call_count == 8 and replayer.queue == []
    steps = [s for r in results.values() for s in r.steps if s.kind == "say"]
    assert all(s.model.startswith("gpt-4.1-mini") and not s.degraded for s in steps), [
        (s.model, s.degraded) for s in steps
    ]
    assert sum(s.input_tokens for s in steps) == 1412 + 1503 + 1398 + 1911 + 1440 + 1532 + 1401 + 1489


def test_requests_carry_tools_and_tool_results_and_never_a_card_number(recorded_run: tuple[Any, Replayer, Any]) -> None:
    _, replayer, _ = recorded_run
    first = replayer.requests[0]
    assert first["model"] == "gpt-4.1-mini"
    names = {t["function"]["name"] for t in first["tools"]}
    assert {"pay_invoice", "search_knowledge", "get_invoice", "create_support_case"} <= names
    assert "confirm" not in " ".join(names)  # the model has no tool that confirms
    follow_up = replayer.requests[1]["messages"]
    assert follow_up[-1]["role"] == "tool" and follow_up[-1]["tool_call_id"] == "call_CDpay01a"
    assert '"proposed":true' in follow_up[-1]["content"].replace(" ", "")
    sent = json.dumps(replayer.requests)
    assert "4111 1111 1111 1111" not in sent and "4111111111111111" not in sent
    assert "card number ending 1111 removed" in sent  # the masked form is what the model saw
