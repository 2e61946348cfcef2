"""One deadline for a remote model's whole turn.

A slow model (a local CPU server, a congested endpoint) would otherwise take the request timeout
once per model call of the turn. Every call gets at most what is left of the turn's deadline as its
timeout; when nothing is left the turn stops and the runner falls back to the built-in planner,
saying so.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from langchain.agents.middleware import AgentMiddleware, AgentState, ModelRequest, ModelResponse

from agent.errors import DeadlineExceeded
from tools.context import AgentContext

MIN_SECONDS = 1.0  # less than this left: not worth starting another model call


class TurnDeadline(AgentMiddleware[AgentState[None], AgentContext, None]):
    """Gives each model call what is left of `AgentContext.deadline` as its timeout."""

    def wrap_model_call(
        self,
        request: ModelRequest[AgentContext],
        handler: Callable[[ModelRequest[AgentContext]], ModelResponse[None]],
    ) -> ModelResponse[None]:
        deadline = getattr(request.runtime.context, "deadline", None)
        if deadline is None:
            return handler(request)
        left = deadline - time.monotonic()
        if left < MIN_SECONDS:
            raise DeadlineExceeded(f"the turn's deadline passed ({left:.1f} s left)")
        return handler(request.override(model_settings={**request.model_settings, "timeout": left}))
