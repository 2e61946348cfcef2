"""The chat API: conversations, turns (JSON or SSE), and the button path for pending actions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from agent.events import CitationsEvent, DoneEvent, PendingActionEvent, ReplaceEvent, TokenEvent, ToolEvent, TurnEvent
from agent.feedback import Feedback
from agent.results import TurnResult, action_dict
from agent.runner import Runner
from billing.errors import DomainError
from billing.principal import Principal
from bootstrap.container import Container
from service.api.deps import AppContainer, AppMetrics, CurrentPrincipal
from service.api.schemas import (
    ActionResultOut,
    ConversationOut,
    ErrorBody,
    FeedbackIn,
    FeedbackOut,
    MessageIn,
    NewConversation,
    TurnResultOut,
)
from service.api.sse import ThreadedEvents, frames
from service.errors import domain_status, error_body
from service.help_pages import anchor
from service.metrics import Metrics

log = logging.getLogger("portal_agent.chat")
router = APIRouter(prefix="/v1/conversations", tags=["chat"])

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody},
    404: {"model": ErrorBody},
    422: {"model": ErrorBody},
    429: {"model": ErrorBody},
}
SSE_DOC = {
    "content": {
        "text/event-stream": {
            "schema": {"type": "string"},
            "example": 'event: token\ndata: "Sure"\n\nevent: done\ndata: {"conversation_id": "…", "reply": "…"}\n\n',
        }
    },
    "description": "The turn result (JSON), or with `Accept: text/event-stream` SSE events `token` "
    "(text), `tool`, `replace` (`{reply, reasons}`: the text shown so far is replaced, because a "
    "remote model's reply failed the output guard or the model failed and the built-in "
    "assistant answers), `citations`, `pending_action`, `done` "
    "(the turn result) and, if the turn fails midway, `error`.",
}


Frame = tuple[str, object]  # an SSE event: its name and its JSON payload


def help_url(source: str) -> str | None:
    """`knowledge/docs/paying-invoices.md` -> `/help/paying-invoices` (served by the widget router)."""
    if source.startswith("knowledge/docs/") and source.endswith(".md"):
        return "/help/" + source.removeprefix("knowledge/docs/").removesuffix(".md")
    return None


def citation_url(citation: Mapping[str, object]) -> str | None:
    url = help_url(str(citation.get("source", "")))
    if url and citation.get("heading"):
        url += "#" + anchor(str(citation["heading"]))
    return url


def with_urls(citations: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    return [{**c, "url": c.get("url") or citation_url(c)} for c in citations]


def turn_dict(result: TurnResult) -> dict[str, object]:
    data = result.to_dict()
    data["citations"] = with_urls(result.citations)
    return data


async def _runner(container: Container) -> Runner:
    """The container's runner; the first request builds it in the threadpool (it may load a model), later ones
    take it without a hop to a worker thread and back (a wake-up of each side per turn)."""
    if container.runner_built:
        return container.runner
    return await run_in_threadpool(lambda: container.runner)


@router.post("", status_code=201, response_model=NewConversation, responses=ERRORS, summary="Start a conversation")
def create_conversation(principal: CurrentPrincipal, container: AppContainer) -> dict[str, str]:
    return {"conversation_id": container.runner.start_conversation(principal).id}


@router.get(
    "/{conversation_id}",
    response_model=ConversationOut,
    responses=ERRORS,
    summary="Messages (masked) and pending actions of a conversation",
)
def get_conversation(conversation_id: str, principal: CurrentPrincipal, container: AppContainer) -> dict[str, object]:
    runner = container.runner
    conv = runner.conversation(principal, conversation_id)
    messages = runner.transcript(principal, conv.id)
    pending = [action_dict(a) for a in container.billing.pending_actions(principal, conv.id)]
    return {
        "conversation_id": conv.id,
        "channel": conv.channel,
        "created_at": conv.created_at.isoformat(),
        "messages": messages,
        "pending_actions": pending,
    }


@router.post(
    "/{conversation_id}/messages",
    response_model=TurnResultOut,
    responses={**ERRORS, 200: SSE_DOC, 409: {"model": ErrorBody}},
    summary="Send a message (one turn)",
)
async def post_message(
    conversation_id: str,
    body: MessageIn,
    request: Request,
    principal: CurrentPrincipal,
    container: AppContainer,
    metrics: AppMetrics,
) -> dict[str, object] | StreamingResponse:
    runner = await _runner(container)
    if "text/event-stream" not in request.headers.get("accept", ""):
        result = turn_dict(await run_in_threadpool(runner.run_turn, principal, conversation_id, body.text))
        metrics.observe_turn(result)
        return result
    events = ThreadedEvents(lambda: runner.iter_turn(principal, conversation_id, body.text))
    first = await events.next()
    if first[0] == "error":
        raise first[1]  # before any byte is sent: a normal JSON error with its status code
    return StreamingResponse(
        frames(first, events, _stream_mapper(metrics), _stream_error),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _stream_mapper(metrics: Metrics) -> Callable[[TurnEvent], list[Frame]]:
    """Runner events to SSE frames (event name, JSON payload). A model that does not stream yields no
    `token` event; the reply is then sent as one `token` before `done`, so clients can rely on tokens
    for display."""
    saw_token = False

    def on_event(event: TurnEvent) -> list[Frame]:
        nonlocal saw_token
        match event:
            case TokenEvent(text):
                saw_token = True
                return [("token", text)]
            case ToolEvent(tool, status):
                return [("tool", {"name": tool, "status": status})]
            case ReplaceEvent(reply, reasons):
                return [("replace", {"reply": reply, "reasons": list(reasons)})]
            case CitationsEvent(citations):
                return [("citations", with_urls(citations))]
            case PendingActionEvent(action):
                return [("pending_action", action)]
            case DoneEvent(result):
                data = turn_dict(result)
                metrics.observe_turn(data)
                lead: list[Frame] = [] if saw_token or not result.reply else [("token", result.reply)]
                return lead + [("done", data)]

    return on_event


def _stream_error(exc: Exception) -> dict[str, object]:
    if isinstance(exc, DomainError):
        return {**exc.to_dict(), "http_status": domain_status(exc)}
    log.error("turn failed while streaming: %s", type(exc).__name__, exc_info=exc)
    return {**error_body(500, "The reply could not be completed. Please try again."), "http_status": 500}


def _decide(
    principal: Principal, container: Container, metrics: Metrics, conversation_id: str, action_id: str, approve: bool
) -> dict[str, object]:
    result = container.runner.decide(principal, conversation_id, action_id, approve)
    metrics.observe_decision(result.operation, approve, result.status)  # not read again: one transaction less
    return result.to_dict()


DECISION_ERRORS = {**ERRORS, 409: {"model": ErrorBody, "description": "Already decided or expired"}}


@router.post(
    "/{conversation_id}/actions/{action_id}/confirm",
    response_model=ActionResultOut,
    responses=DECISION_ERRORS,
    summary="Confirm a pending action (executes it once)",
)
async def confirm_action(
    conversation_id: str, action_id: str, principal: CurrentPrincipal, container: AppContainer, metrics: AppMetrics
) -> dict[str, object]:
    # One explicit hop to the threadpool: a sync endpoint made two (the call, then its response's validation).
    return await run_in_threadpool(_decide, principal, container, metrics, conversation_id, action_id, True)


@router.post(
    "/{conversation_id}/actions/{action_id}/reject",
    response_model=ActionResultOut,
    responses=DECISION_ERRORS,
    summary="Reject a pending action (nothing changes)",
)
async def reject_action(
    conversation_id: str, action_id: str, principal: CurrentPrincipal, container: AppContainer, metrics: AppMetrics
) -> dict[str, object]:
    return await run_in_threadpool(_decide, principal, container, metrics, conversation_id, action_id, False)


@router.post(
    "/{conversation_id}/messages/{message_id}/feedback",
    response_model=FeedbackOut,
    responses=ERRORS,
    summary="Rate an assistant reply (up or down, an optional comment); rating it again replaces the rating",
)
def rate_message(
    conversation_id: str, message_id: int, body: FeedbackIn, principal: CurrentPrincipal, container: AppContainer
) -> dict[str, object]:
    """`message_id` is the reply's `seq`: a turn's `message_id`, or an assistant message of the conversation."""
    return feedback_dict(container.runner.rate(principal, conversation_id, message_id, body.rating, body.comment))


def feedback_dict(feedback: Feedback) -> dict[str, object]:
    return {
        "conversation_id": feedback.conversation_id,
        "message_id": feedback.message_seq,
        "rating": feedback.rating,
        "comment": feedback.comment,
        "created_at": feedback.created_at.isoformat(),
        "updated_at": feedback.updated_at.isoformat(),
    }
