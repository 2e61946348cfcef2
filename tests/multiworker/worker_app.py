"""A test worker process: the real app over an existing demo database, with the scripted model of the API
tests (no model weights to load), so several can run side by side against one Redis and one metrics
directory. `python -m uvicorn --factory worker_app:create --port N`, settings from PORTAL_* variables."""

from __future__ import annotations

from fastapi import FastAPI
from service_kit import FakeKnowledge, router_model

from agent.runner import Runner
from agent.store import ConversationStore
from bootstrap.container import build_container
from bootstrap.settings import get_settings
from service.app import create_app


def create() -> FastAPI:
    container = build_container(get_settings())
    container._runner = Runner(
        container.billing,
        ConversationStore(container.engine),
        container.links,
        model=router_model(),
        fallback=None,
        knowledge=FakeKnowledge(),
    )
    return create_app(container)
