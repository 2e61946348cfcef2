"""Composition root: builds the domain service, the agent and their adapters from settings, once per process.

Channels (`service/`) and evaluations (`evals/`) both build from here; nothing here knows a channel.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from langchain_core.language_models.chat_models import BaseChatModel
from sqlalchemy import Engine

from agent.models import ModelConfig, build_models, is_local_endpoint
from agent.runner import Runner
from agent.store import ConversationStore
from billing.adapters.gateway import SimulatedGateway
from billing.adapters.gateway_sql import SqlLedger
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import SystemClock
from billing.service import BillingService
from bootstrap.db import create_engine_for, upgrade
from bootstrap.settings import Settings, get_settings
from tools.context import KnowledgeSearch, Passage
from tools.links import LinkSigner

if TYPE_CHECKING:
    from knowledge.retriever import Retriever


class LazyKnowledge:
    """Opens the retriever (embedding model + Chroma) on first use, not at start-up."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._retriever: Retriever | None = None
        self._opening = threading.Lock()  # the start-up warm-up and a first question may race to open it

    def search(self, query: str, k: int = 4) -> Sequence[Passage]:
        with self._opening:
            if self._retriever is None:
                from bootstrap.index import open_retriever

                self._retriever = open_retriever(self.settings)
        return self._retriever.search(query, k)


@dataclass
class Container:
    """What every channel and evaluation needs: settings, the database, the domain service, link signing,
    and the turn runner (built on first use)."""

    settings: Settings
    engine: Engine
    billing: BillingService
    links: LinkSigner
    _runner: Runner | None = field(default=None, repr=False)

    @property
    def runner(self) -> Runner:
        """Built on first use: commands that only touch data need no model."""
        if self._runner is None:
            self._runner = build_runner(self)
        return self._runner

    @property
    def runner_built(self) -> bool:
        """Whether `runner` is ready without building anything (an async caller need not leave its loop)."""
        return self._runner is not None


def model_config(settings: Settings) -> ModelConfig:
    local = is_local_endpoint(settings.openai_base_url)
    return ModelConfig(
        settings.portal_llm,
        settings.portal_model,
        settings.openai_api_key,
        settings.openai_base_url,
        timeout=settings.portal_model_timeout or (120.0 if local else 30.0),
        max_retries=settings.portal_model_retries if settings.portal_model_retries is not None else (0 if local else 2),
        max_tokens=settings.portal_model_max_tokens,
        temperature=settings.portal_model_temperature,
        turn_deadline=settings.portal_turn_deadline or (240.0 if local else 60.0),
        cache_dir=settings.cache_dir,
    )


def build_runner(
    container: Container,
    model: BaseChatModel | None = None,
    knowledge: KnowledgeSearch | None = None,
    *,
    fallback: BaseChatModel | None = None,
    runner_class: type[Runner] = Runner,
    turn_deadline: float | None = None,
) -> Runner:
    """The runner over the container's billing and storage; builds only what it is not given.

    The configured models are built only when no `model` is given (a given model has no fallback unless
    one is given too); the knowledge index opens lazily unless one is given; the turn deadline follows
    the settings unless given.
    """
    cfg = model_config(container.settings)
    if model is None:
        model, configured_fallback = build_models(cfg)
        fallback = fallback if fallback is not None else configured_fallback
    return runner_class(
        container.billing,
        ConversationStore(container.engine),
        container.links,
        model=model,
        fallback=fallback,
        knowledge=knowledge if knowledge is not None else LazyKnowledge(container.settings),
        token_budget=container.settings.portal_token_budget,
        turn_deadline=turn_deadline if turn_deadline is not None else cfg.turn_deadline,
    )


def build_gateway(settings: Settings, clock: SystemClock) -> SimulatedGateway:
    """The simulated card gateway over its own ledger (PORTAL_GATEWAY_URL, default `gateway.db` in the
    data dir): what it charged survives a crash of this process, as a real processor's records would."""
    return SimulatedGateway(
        SqlLedger(create_engine_for(settings.gateway_url)),
        clock,
        dt.timedelta(seconds=settings.portal_gateway_settlement_delay),
    )


def build_container(settings: Settings, *, migrate: bool = True) -> Container:
    engine = create_engine_for(settings.database_url)
    if migrate:
        upgrade(engine)
    clock = SystemClock(settings.portal_today)
    billing = BillingService(
        SqlUnitOfWorkFactory(engine),
        clock,
        build_gateway(settings, clock),
        dt.timedelta(minutes=settings.portal_action_ttl_minutes),
    )
    return Container(settings, engine, billing, LinkSigner(settings.link_key))


@lru_cache(maxsize=1)
def get_container() -> Container:
    """The process's container, built from the environment's settings on first use."""
    return build_container(get_settings())
