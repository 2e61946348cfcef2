"""The optional OpenAI embedder, only ever against a mocked HTTP route."""

from __future__ import annotations

import json

import httpx
import numpy as np
import respx

from knowledge.openai_embeddings import OpenAIEmbedder


def test_posts_to_the_embeddings_route_and_normalises() -> None:
    body = {
        "object": "list",
        "model": "text-embedding-3-small",
        "data": [
            {"object": "embedding", "index": 1, "embedding": [0.0, 2.0, 0.0]},
            {"object": "embedding", "index": 0, "embedding": [3.0, 0.0, 4.0]},
        ],
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
    }
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("https://llm.test/v1/embeddings").mock(return_value=httpx.Response(200, json=body))
        vectors = OpenAIEmbedder(api_key="sk-test", base_url="https://llm.test/v1", dimension=3).embed(["a", "b"])
    assert route.call_count == 1
    request = route.calls[0].request
    assert request.headers["Authorization"] == "Bearer sk-test"
    assert json.loads(request.content) == {"model": "text-embedding-3-small", "input": ["a", "b"]}
    assert np.allclose(vectors, [[0.6, 0.0, 0.8], [0.0, 1.0, 0.0]])
