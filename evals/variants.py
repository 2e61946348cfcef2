"""The agents under evaluation: which models drive the service's Runner.

A variant makes fresh models per trial (a model may hold state) and builds the Runner with the
composition root's own `bootstrap.container.build_runner`, given the models and the evaluation's shared
knowledge index (so the configured models are never built only to be discarded). Tests plant
deliberately broken variants through the same interface.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from langchain_core.language_models.chat_models import BaseChatModel

from agent.models import ModelConfig, build_models
from agent.runner import Runner
from bootstrap.container import Container, build_runner
from evals.scenarios import Scenario
from tools.context import KnowledgeSearch

Models = tuple[BaseChatModel, BaseChatModel | None]


@dataclass
class Variant:
    """An agent under evaluation: how to make its models per scenario, and the Runner class it runs on."""

    name: str
    make_models: Callable[[Scenario], Models]
    runner_class: type[Runner] = Runner
    # A chat model that plays the customer when a scenario has a `goal` (None: scripted turns only).
    make_user_model: Callable[[], BaseChatModel] | None = None
    description: str = ""
    turn_deadline: float = 60.0

    def runner(self, container: Container, scenario: Scenario, knowledge: KnowledgeSearch) -> Runner:
        primary, fallback = self.make_models(scenario)
        return build_runner(
            container,
            primary,
            knowledge,
            fallback=fallback,
            runner_class=self.runner_class,
            turn_deadline=self.turn_deadline,
        )


def offline_variant() -> Variant:
    cfg = ModelConfig("offline")
    return Variant("offline", lambda _s: build_models(cfg), description="the offline planner (no LLM)")


def openai_variant(cfg: ModelConfig, user_model: str | None = None, simulate_users: bool = True) -> Variant:
    """Any OpenAI-compatible endpoint; the offline planner is its fallback, as in the service. With
    `simulate_users`, scenarios that have a goal are played by an LLM user simulator."""

    def user() -> BaseChatModel:
        from agent.models import openai_model

        return openai_model(replace(cfg, model=user_model or cfg.model, temperature=0.7))

    return Variant(
        f"openai:{cfg.model}",
        lambda _s: build_models(cfg),
        make_user_model=user if simulate_users else None,
        description=f"OpenAI-compatible model {cfg.model}",
        turn_deadline=cfg.turn_deadline,
    )
