"""Chat Completions responses in the exact JSON shapes the OpenAI API returns, plain and streamed."""

from __future__ import annotations

import json
from typing import Any

import httpx

BASE_URL = "https://api.openai.test/v1"


def tool_call(name: str, call_id: str = "call_1", **args: Any) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


def _completion(content: str | None, tool_calls: list[dict[str, Any]] | None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1764300000,
        "model": "gpt-4.1-mini",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {"prompt_tokens": 812, "completion_tokens": 23, "total_tokens": 835},
    }


def _chunk(delta: dict[str, Any], finish: str | None = None, usage: dict[str, int] | None = None) -> str:
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": 1764300000,
        "model": "gpt-4.1-mini",
        "choices": [] if usage else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    if usage:
        body["usage"] = usage
    return f"data: {json.dumps(body)}\n\n"


def _stream(content: str | None, tool_calls: list[dict[str, Any]] | None) -> str:
    parts = [_chunk({"role": "assistant", "content": ""})]
    words = (content or "").split(" ") if content else []
    for i, word in enumerate(words):
        parts.append(_chunk({"content": word + (" " if i < len(words) - 1 else "")}))
    for i, call in enumerate(tool_calls or []):
        parts.append(
            _chunk(
                {
                    "tool_calls": [
                        {
                            "index": i,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["function"]["name"], "arguments": ""},
                        }
                    ]
                }
            )
        )
        args = call["function"]["arguments"]
        for piece in (args[: len(args) // 2], args[len(args) // 2 :]):
            parts.append(_chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    parts.append(_chunk({}, "tool_calls" if tool_calls else "stop"))
    parts.append(_chunk({}, usage={"prompt_tokens": 812, "completion_tokens": 23, "total_tokens": 835}))
    return "".join(parts) + "data: [DONE]\n\n"


def respond(
    request: httpx.Request, content: str | None = None, tool_calls: list[dict[str, Any]] | None = None
) -> httpx.Response:
    """A 200 in the shape the request asked for (streamed when `stream` is true)."""
    if json.loads(request.content).get("stream"):
        return httpx.Response(200, text=_stream(content, tool_calls), headers={"content-type": "text/event-stream"})
    return httpx.Response(200, json=_completion(content, tool_calls))


def error(status: int, message: str = "error") -> httpx.Response:
    kind = {429: "rate_limit_exceeded", 500: "server_error"}.get(status, "invalid_request_error")
    return httpx.Response(
        status,
        json={"error": {"message": message, "type": kind, "param": None, "code": kind}},
        headers={"retry-after-ms": "1"},
    )
