"""Optional remote embeddings through an OpenAI-compatible ``/embeddings`` endpoint.

Not the default: the offline MiniLM model is. Selected only when the caller configures it
(for example ``PORTAL_EMBEDDINGS=openai`` together with ``OPENAI_API_KEY``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass
class OpenAIEmbedder:
    """Embeds with ``POST {base_url}/embeddings``; vectors are re-normalised to unit length."""

    api_key: str
    model: str = "text-embedding-3-small"
    base_url: str = "https://api.openai.com/v1"
    dimension: int = 1536
    timeout: float = 30.0
    batch_size: int = 128

    @property
    def model_id(self) -> str:
        return f"openai-{self.model}"

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed ``texts`` remotely; returns an (n, dimension) float32 array of unit rows."""
        import numpy as np

        rows: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            rows.extend(self._request(texts[start : start + self.batch_size]))
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), -1)
        unit: np.ndarray = vectors / np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        return unit

    def _request(self, batch: list[str]) -> list[list[float]]:
        import httpx

        response = httpx.post(
            f"{self.base_url.rstrip('/')}/embeddings",
            headers={"Authorization": f"Bearer {self.api_key}"},
            json={"model": self.model, "input": batch},
            timeout=self.timeout,
        )
        response.raise_for_status()
        data = sorted(response.json()["data"], key=lambda item: item["index"])
        return [item["embedding"] for item in data]
