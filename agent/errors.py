"""The agent's own errors: one family, with the kinds that mean "the remote model failed this turn".

The runner falls back to the built-in planner on `ModelFailure` and on the model client's transport
and API errors (`FALLBACK_ON`), nothing else: a programming error surfaces as one, instead of turning
into "the assistant model is unavailable".
"""

from __future__ import annotations


class AgentError(Exception):
    """Base of the agent's errors."""


class ConversationBusy(AgentError):
    """Another turn of the same conversation held the lock for too long."""


class ModelFailure(AgentError):
    """The remote model did not give a turn that can be shown: the built-in planner answers instead."""


class IncompleteResponse(ModelFailure):
    """A streamed answer ended without a finish reason (a dropped or truncated stream)."""


class EmptyAnswer(ModelFailure):
    """The remote model finished without a reply to show (no text; tool calls it could not express)."""


class UnsupportedAnswer(ModelFailure):
    """The remote model answered a question about the portal or the user's data without looking anything up
    (whatever it said, a policy, an amount, a date, came from nowhere the service can vouch for), or answered a
    typed card number without the secure card form."""


class DeadlineExceeded(ModelFailure, TimeoutError):
    """The turn's deadline passed before the remote model finished."""


def fallback_on() -> tuple[type[BaseException], ...]:
    """What makes a turn fall back to the built-in planner: the model failed, or its client did (timeouts,
    connection errors, 429 and 5xx after retries, a response it could not parse)."""
    import httpx
    import openai
    from langchain_core.exceptions import OutputParserException

    return ModelFailure, openai.APIError, httpx.HTTPError, TimeoutError, OutputParserException


class TooManySteps(ModelFailure):
    """The model kept calling tools and never answered within the turn's bound on model calls."""
