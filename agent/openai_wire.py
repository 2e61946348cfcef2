"""Chat Completions requests sent as LangChain built them, without the OpenAI SDK's body transform.

The SDK walks every value of the request body against its TypedDict annotations (aliases, base64
file inputs, iterables to lists) before sending it. LangChain's payload is already plain JSON data
(dicts, lists, strings, numbers), so the walk changes nothing, yet with the agent's tool schemas and
a short history it costs about 4 ms of CPU per request, two requests a turn (see BENCHMARKS.md).
This resource sends the same body, through the same client, retries, timeouts and response parsing.
`tests/agent/test_openai_wire.py` holds it to the SDK's JSON body (only the key order differs).
"""

from __future__ import annotations

import httpx
from openai._base_client import make_request_options
from openai._streaming import Stream
from openai._types import NOT_GIVEN, Body, Headers, NotGiven, Query
from openai.resources.chat.completions import Completions
from openai.types.chat import ChatCompletion, ChatCompletionChunk


class PlainCompletions(Completions):
    """`client.chat.completions` whose `create` posts the given JSON body as it is.

    `with_raw_response.create` (what LangChain calls) wraps this `create`, so both paths use it."""

    def create(  # type: ignore[override]  # the body is LangChain's JSON, sent as it is
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN,
        **body: object,
    ) -> ChatCompletion | Stream[ChatCompletionChunk]:
        if "messages" not in body or "model" not in body:
            raise TypeError("a chat completion needs 'messages' and 'model'")
        options = make_request_options(
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            timeout=timeout,
            security={"bearer_auth": True},
        )
        return self._post(
            "/chat/completions",
            body=body,
            options=options,
            cast_to=ChatCompletion,
            stream=bool(body.get("stream")),
            stream_cls=Stream[ChatCompletionChunk],
        )
