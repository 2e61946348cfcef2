"""Model back ends: any OpenAI-compatible endpoint, and the offline planner (the default)."""
from __future__ import annotations

from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel


@dataclass(frozen=True)
class ModelConfig:
    llm: str = "offline"  # offline | openai
    model: str = "gpt-4.1-mini"
    api_key: str | None = None
    base_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 2


def openai_model(cfg: ModelConfig) -> BaseChatModel:
    """Chat Completions (not the Responses API) so vLLM, Ollama and Azure-compatible servers work too.

    Retries with backoff on 429/5xx/timeouts are the OpenAI client's; the runner falls back to the
    offline planner when they are exhausted.
    """
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=cfg.model, api_key=cfg.api_key or "unset", base_url=cfg.base_url, timeout=cfg.timeout,
                      max_retries=cfg.max_retries, use_responses_api=False, stream_usage=True, temperature=0)


def offline_model() -> BaseChatModel:
    from agent.planner import OfflinePlanner

    return OfflinePlanner()


def build_models(cfg: ModelConfig) -> tuple[BaseChatModel, BaseChatModel | None]:
    """(primary, fallback): the offline planner is the fallback of every remote model."""
    if cfg.llm == "openai":
        return openai_model(cfg), offline_model()
    if cfg.llm == "offline":
        return offline_model(), None
    raise ValueError(f"PORTAL_LLM must be 'offline' or 'openai', not {cfg.llm!r}")
