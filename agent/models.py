"""Model back ends: any OpenAI-compatible endpoint, and the offline planner (the default)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.tools import BaseTool

from agent.errors import IncompleteResponse

if TYPE_CHECKING:  # imported when first used: it takes a while to load
    from langchain_openai import ChatOpenAI


@dataclass(frozen=True)
class ModelConfig:
    llm: str = "offline"  # offline | openai
    model: str = "gpt-4.1-mini"
    api_key: str | None = None
    base_url: str | None = None
    timeout: float = 30.0
    max_retries: int = 2
    max_tokens: int = 600
    temperature: float = 0.0
    turn_deadline: float = 60.0
    # Where the offline planner keeps the help articles' embedded sentences between starts (None: not kept)
    cache_dir: Path | None = None


def is_local_endpoint(base_url: str | None) -> bool:
    """An OpenAI-compatible server on this machine (one generation at a time, slow cold prompts)."""
    from urllib.parse import urlparse

    host = urlparse(base_url or "").hostname or ""
    return host in ("127.0.0.1", "localhost", "::1", "0.0.0.0") or host.startswith("127.")


_SCHEMAS: dict[int, tuple[BaseTool, dict[str, Any]]] = {}


def tool_schema(tool: BaseTool) -> dict[str, Any]:
    """The OpenAI function schema of a tool, converted once per tool object, in its compact form."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    cached = _SCHEMAS.get(id(tool))
    if cached is None or cached[0] is not tool:  # the tool is kept in the entry, so its id is not reused
        cached = _SCHEMAS[id(tool)] = (tool, compact_schema(convert_to_openai_tool(tool)))
    return cached[1]


def compact_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The same function schema in fewer tokens: an optional argument is its type, not `anyOf` with null
    and a null default (it is simply left out); no titles. Small and local models read it as well."""

    def simplify(prop: dict[str, Any]) -> dict[str, Any]:
        prop = {k: v for k, v in prop.items() if k not in ("title", "default")}
        options = [o for o in prop.pop("anyOf", []) if o.get("type") != "null"]
        if len(options) == 1:
            prop = {**options[0], **prop}
        elif options:
            prop["anyOf"] = options
        if isinstance(prop.get("items"), dict):
            prop["items"] = simplify(prop["items"])
        return prop

    function = dict(schema["function"])
    params = dict(function.get("parameters") or {})
    params["properties"] = {name: simplify(p) for name, p in (params.get("properties") or {}).items()}
    params.pop("title", None)
    function["parameters"] = params
    return {**schema, "function": function}


@lru_cache(maxsize=1)
def _checked_chat_openai() -> type[ChatOpenAI]:
    from langchain_openai import ChatOpenAI
    from pydantic import model_validator

    from agent.openai_wire import PlainCompletions

    class CheckedChatOpenAI(ChatOpenAI):
        """ChatOpenAI that refuses a stream cut off before its finish reason.

        The OpenAI client ends such a stream quietly, so a half sentence (or half a tool call) would
        pass as the whole answer; raising lets the runner fall back and say so instead. Requests go
        out through `PlainCompletions` (the same body without the SDK's per-request transform).
        """

        @model_validator(mode="after")
        def _plain_requests(self) -> CheckedChatOpenAI:
            if self.root_client is not None:
                self.client = PlainCompletions(self.root_client)
            return self

        def bind_tools(self, tools: Any, *, strict: bool | None = None, **kwargs: Any) -> Any:
            # Every agent loop binds the same tools; their schemas never change, so they are converted once.
            if strict is None:
                tools = [tool_schema(t) if isinstance(t, BaseTool) and not t.extras else t for t in tools]
            return super().bind_tools(tools, strict=strict, **kwargs)

        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            finished = False
            for chunk in super()._stream(*args, **kwargs):
                finished = finished or bool((chunk.generation_info or {}).get("finish_reason"))
                yield chunk
            if not finished:
                raise IncompleteResponse("the model's streamed answer ended without a finish reason")

    return CheckedChatOpenAI


def openai_model(cfg: ModelConfig) -> BaseChatModel:
    """Chat Completions (not the Responses API) so vLLM, Ollama and Azure-compatible servers work too.

    Retries with backoff on 429/5xx/timeouts are the OpenAI client's; the runner falls back to the
    offline planner when they are exhausted.
    """
    options: dict[str, object] = {
        "model": cfg.model,
        "api_key": cfg.api_key or "unset",
        "base_url": cfg.base_url,
        "timeout": cfg.timeout,
        "max_retries": cfg.max_retries,
        "use_responses_api": False,
        "stream_usage": True,
        "temperature": cfg.temperature,
        "max_tokens": cfg.max_tokens,
    }
    return _checked_chat_openai().model_validate(options)


def offline_model(cache_dir: Path | None = None) -> BaseChatModel:
    from agent.planner import OfflinePlanner

    return OfflinePlanner(cache_dir=cache_dir)


def build_models(cfg: ModelConfig) -> tuple[BaseChatModel, BaseChatModel | None]:
    """(primary, fallback): the offline planner is the fallback of every remote model."""
    if cfg.llm == "openai":
        return openai_model(cfg), offline_model(cfg.cache_dir)
    if cfg.llm == "offline":
        return offline_model(cfg.cache_dir), None
    raise ValueError(f"PORTAL_LLM must be 'offline' or 'openai', not {cfg.llm!r}")
