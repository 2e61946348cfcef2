"""The turn runner: one entry point for every channel (CLI, HTTP, Slack, evals).

A turn: mask the text, lock the conversation, let a typed yes/no decide a pending action (the
service decides, never the model), otherwise run the agent with the user's history and persist
what was said. `decide` is the button path.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from agent import guard, tracing
from agent import phrasing as R
from agent.budget import fit_history, message_tokens, tools_tokens
from agent.confirm import Reply, reply_to_proposal
from agent.errors import EmptyAnswer, ModelFailure, UnsupportedAnswer, fallback_on
from agent.events import (
    CitationsEvent,
    DoneEvent,
    PendingActionEvent,
    ReplaceEvent,
    TokenEvent,
    TurnEvent,
)
from agent.feedback import Feedback, FeedbackStore
from agent.loop import AgentLoop
from agent.masking import mask
from agent.phrasing import DEGRADED_NOTE, UNSUPPORTED_NOTE
from agent.planner.acts import QUESTIONS
from agent.planner.features import shape
from agent.planner.skills import SKILL_OF_OPERATION
from agent.planner.slots import CARD_MASK
from agent.planner.state import service_marker
from agent.planner.understand import classify
from agent.prompts import policy_prompt
from agent.results import ActionResult, DecidedView, ToolCallView, TurnResult, action_dict
from agent.store import Conversation, ConversationStore, Held, TranscriptLine
from agent.turn_record import TurnRecord, agent_turn_record
from billing.entities import PendingAction
from billing.errors import ActionAlreadyDecided, InvalidInput, NotFound
from billing.principal import Principal
from billing.service import BillingService
from knowledge.tokens import count_tokens
from tools.context import AgentContext, Citation, Handoff, KnowledgeSearch
from tools.links import LinkSigner
from tools.registry import ALL_TOOLS

log = logging.getLogger("portal_agent.runner")

TOOL_NAMES = frozenset(t.name for t in ALL_TOOLS)
MAX_TEXT = 4000
PASSAGE_RESERVE = 1600  # tokens kept free for the passages a search may return this turn


@dataclass
class Runner:
    """Runs turns and decisions; holds the agent loop per model (its tools bound once)."""

    billing: BillingService
    store: ConversationStore
    links: LinkSigner
    model: BaseChatModel
    fallback: BaseChatModel | None = None
    knowledge: KnowledgeSearch | None = None
    token_budget: int = 6000
    tools: list[BaseTool] = field(default_factory=lambda: list(ALL_TOOLS))
    turn_deadline: float = 120.0  # seconds a remote model may take for a whole turn before it falls back
    feedback: FeedbackStore | None = None  # ratings of replies; unless given, on the conversations' engine

    def __post_init__(self) -> None:
        self._loops: dict[int, AgentLoop] = {}
        self._feedback = self.feedback or FeedbackStore(self.store.engine)
        # Only a runner with something to fall back to catches the client's errors (and loads the client's
        # modules for it): the built-in planner alone starts faster without them.
        self._fallback_on = fallback_on() if self.fallback is not None else (ModelFailure,)

    @cached_property
    def fixed_tokens(self) -> int:
        """The policy prompt's and the tool schemas' tokens, the same in every request. Counted on first use, not
        when the runner is built: loading the tokenizer takes ~0.35 s (and 71 MB) that a served worker's
        readiness and a first message need not wait for (a served worker's warm-up counts them)."""
        return count_tokens(policy_prompt()) + tools_tokens(self.tools)

    def _history_budget(self, human: HumanMessage) -> int:
        """The tokens left for the history once the prompt, the tools, the passages and the new message fit."""
        return max(self.token_budget - self.fixed_tokens - PASSAGE_RESERVE - message_tokens(human), 0)

    def warm_up(self) -> None:
        """Load what the first message would otherwise wait for: the knowledge index (with the embedder), the
        tokenizer, model weights. The index first: a served worker's readiness check opens it too, and shares
        that work (one import, one client) instead of competing with the rest for the interpreter."""
        if self.knowledge is not None:
            self.knowledge.search("how do I pay an invoice", k=1)
        _ = self.fixed_tokens
        for model in self._models():
            hook = getattr(model, "warm_up", None)
            if callable(hook):
                hook()

    # -- conversations ------------------------------------------------------------------------------
    def start_conversation(self, principal: Principal, external_ref: str | None = None) -> Conversation:
        return self.store.create(principal.email, principal.channel, external_ref)

    def conversation_by_ref(self, external_ref: str) -> Conversation | None:
        """The conversation a channel reference (a Slack thread) belongs to, whoever owns it."""
        return self.store.find_by_ref(external_ref)

    def conversation_for_ref(self, principal: Principal, external_ref: str) -> Conversation:
        """The conversation of a channel reference, started for this user if there is none yet (the caller
        checks who owns it)."""
        return self.store.find_or_create(principal.email, principal.channel, external_ref)

    def transcript(self, principal: Principal, conversation_id: str) -> list[TranscriptLine]:
        """The user's conversation as people see it, masked, each reply with the user's own rating of it."""
        conv = self.conversation(principal, conversation_id)
        rated = self._feedback.ratings(conv.id, principal.email)
        lines = self.store.transcript(conv.id)
        for line in lines:
            line["content"] = mask(line["content"])  # again: what was stored was masked already
            if line["seq"] in rated:
                line["rating"] = rated[line["seq"]]
        return lines

    def conversation(self, principal: Principal, conversation_id: str) -> Conversation:
        conv = self.store.get(conversation_id, principal.email)
        if conv is None:
            raise NotFound("conversation", conversation_id)
        return conv

    # -- feedback -----------------------------------------------------------------------------------
    def rate(
        self, principal: Principal, conversation_id: str, message_id: int, rating: str, comment: str | None = None
    ) -> Feedback:
        """The user's rating ("up" or "down", an optional comment) of an assistant reply of their own
        conversation; rating it again replaces it. Someone else's conversation, or a message that is not an
        assistant reply of it, is not found."""
        conv = self.conversation(principal, conversation_id)
        if not self.store.is_assistant_message(conv.id, message_id):
            raise NotFound("message", str(message_id))
        return self._feedback.rate(conv.id, message_id, principal.email, rating, comment)

    # -- turns --------------------------------------------------------------------------------------
    def run_turn(self, principal: Principal, conversation_id: str, text: str) -> TurnResult:
        result: TurnResult | None = None
        # Nobody reads the tokens here, so the model is not asked to stream them: a streamed answer costs
        # a callback per token and the assembly of the chunks (see BENCHMARKS.md).
        for event in self.iter_turn(principal, conversation_id, text, stream_tokens=False):
            if isinstance(event, DoneEvent):
                result = event.result
        assert result is not None
        return result

    def iter_turn(
        self, principal: Principal, conversation_id: str, text: str, *, stream_tokens: bool = True
    ) -> Iterator[TurnEvent]:
        """The turn's events (agent/events.py), ending with a `DoneEvent` that carries the TurnResult.

        `stream_tokens=False` yields only what a caller of `run_turn` uses (no token or tool events
        from the agent; the model answers in one piece). The turn is one span (agent/tracing.py)."""
        yield from tracing.traced_turn(
            conversation_id, principal.channel, self._turn(principal, conversation_id, text, stream_tokens)
        )

    def _turn(
        self, principal: Principal, conversation_id: str, text: str, stream_tokens: bool
    ) -> Generator[TurnEvent, None, None]:
        text = _clean_text(text)
        with self.store.locked(conversation_id, user_email=principal.email) as held:
            pending = self.billing.pending_actions(principal, conversation_id)
            prefix = ""
            if pending:
                reply = reply_to_proposal(text, SKILL_OF_OPERATION.get(pending[-1].operation))
                if reply in (Reply.AFFIRM, Reply.DENY):
                    yield from self._typed_decision(
                        principal, conversation_id, text, pending[-1], reply is Reply.AFFIRM, held
                    )
                    return
                if reply is Reply.UNCLEAR:
                    yield from self._ask_again(principal, conversation_id, text, pending[-1], held)
                    return
                if reply is Reply.QUESTION:  # answered, and the proposal keeps waiting for its decision
                    yield from self._agent_turn(
                        principal, conversation_id, text, prefix, stream_tokens, keep=pending[-1], held=held
                    )
                    return
                prefix = self._cancel_for_new_message(principal, conversation_id, pending[-1])
            yield from self._agent_turn(principal, conversation_id, text, prefix, stream_tokens, held=held)

    def decide(self, principal: Principal, conversation_id: str, action_id: str, approve: bool) -> ActionResult:
        """The button path: execute or reject the user's pending action (raises if not pending)."""
        with (
            tracing.traced_decision(conversation_id, action_id, approve) as span,
            self.store.locked(conversation_id, user_email=principal.email) as held,
        ):
            action = self._decide(principal, conversation_id, action_id, approve)
            tracing.record_decision(span, action)
            reply = R.outcome_text(action)
            seq = self.store.append(conversation_id, [_service_message(reply, action)], release=held)
        return ActionResult(
            conversation_id, action.id, action.status.value, action.result or {}, reply, seq, action.operation
        )

    # -- internals ----------------------------------------------------------------------------------
    def _decide(self, principal: Principal, conversation_id: str, action_id: str, approve: bool) -> PendingAction:
        if approve:
            return self.billing.execute(principal, action_id, conversation_id)
        return self.billing.reject(principal, action_id, conversation_id)

    def _typed_decision(
        self,
        principal: Principal,
        conversation_id: str,
        text: str,
        action: PendingAction,
        approve: bool,
        held: Held | None = None,
    ) -> Iterator[TurnEvent]:
        started = time.perf_counter()
        try:
            decided = self._decide(principal, conversation_id, action.id, approve)
            reply = R.outcome_text(decided)
            info = DecidedView(id=decided.id, status=decided.status.value, result=decided.result or {})
        except ActionAlreadyDecided as already:
            reply = R.ALREADY_DECIDED
            info = DecidedView(id=action.id, status=already.status, result=already.result or {})
        record = _service_record(principal, "decision", text, started)
        messages = [HumanMessage(text), _service_message(reply, action)]
        seq = self.store.append(conversation_id, messages, record, release=held)
        yield TokenEvent(reply)
        yield DoneEvent(TurnResult(conversation_id, reply, decided_action=info, model="service", message_id=seq))

    def _still_waiting(self, conversation_id: str, principal: Principal, action: PendingAction) -> str:
        """After answering a question asked while a proposal waits: say it is still waiting."""
        if not any(a.id == action.id for a in self.billing.pending_actions(principal, conversation_id)):
            return ""
        reminder = R.still_waiting(action.summary)
        self.store.append(
            conversation_id,
            [
                AIMessage(
                    reminder.strip(),
                    response_metadata=service_marker("reask", operation=action.operation, args=action.args),
                )
            ],
        )
        return reminder

    def _ask_again(
        self, principal: Principal, conversation_id: str, text: str, action: PendingAction, held: Held | None = None
    ) -> Iterator[TurnEvent]:
        """An unclear reply to a proposal keeps it and asks for a clear decision (the model is not called)."""
        started = time.perf_counter()
        reply = R.decide_please(action.summary)
        seq = self.store.append(
            conversation_id,
            [
                HumanMessage(text),
                AIMessage(
                    reply, response_metadata=service_marker("reask", operation=action.operation, args=action.args)
                ),
            ],
            _service_record(principal, "reask", text, started),
            release=held,
        )
        yield TokenEvent(reply)
        yield PendingActionEvent(action_dict(action))
        yield DoneEvent(
            TurnResult(conversation_id, reply, pending_action=action_dict(action), model="service", message_id=seq)
        )

    def _cancel_for_new_message(self, principal: Principal, conversation_id: str, action: PendingAction) -> str:
        """A new message while an action awaits a decision cancels it first (it was not confirmed)."""
        try:
            self.billing.reject(principal, action.id, conversation_id)
        except ActionAlreadyDecided:
            return ""
        note = R.cancelled_for_new_message(action.summary)
        self.store.append(
            conversation_id,
            [
                AIMessage(
                    note, response_metadata=service_marker("cancelled", operation=action.operation, args=action.args)
                )
            ],
        )
        return note + "\n\n"

    def _agent_turn(
        self,
        principal: Principal,
        conversation_id: str,
        text: str,
        prefix: str,
        stream_tokens: bool = True,
        keep: PendingAction | None = None,
        held: Held | None = None,
    ) -> Iterator[TurnEvent]:
        human = HumanMessage(text)
        history = self.store.history(conversation_id)
        # A first message has no history to fit, so nothing is counted: a one-off `ask` never loads tiktoken.
        inputs = (fit_history(history, self._history_budget(human)) if history else []) + [human]
        said = [str(m.content) for m in history if isinstance(m, HumanMessage)] + [text]
        seen = [str(m.content) for m in history if isinstance(m, ToolMessage)]
        started = time.perf_counter()
        ctx, messages, note = None, None, ""  # note: what a reply of the built-in assistant starts with
        for model in self._models():
            ctx = AgentContext(
                principal,
                conversation_id,
                self.billing,
                self.links,
                self.knowledge,
                said=list(said),
                seen=list(seen),
                deadline=time.monotonic() + self.turn_deadline,
            )
            try:
                messages = yield from self._stream(model, inputs, ctx, stream_tokens, guarded=self._remote(model))
                if self.fallback is not None and model is not self.fallback and not _answered(messages, len(inputs)):
                    raise EmptyAnswer("the model's answer was empty (e.g. only an unreadable tool call)")
                if self._remote(model) and _unsupported(messages, len(inputs), text):
                    raise UnsupportedAnswer("a question answered without looking anything up")
                break
            except self._fallback_on as exc:  # the remote model (or its client) failed: fall back, say so
                if model is self.fallback or self.fallback is None:
                    raise
                log.warning("model failed, using the offline planner: %s", type(exc).__name__)
                self._withdraw(principal, conversation_id, ctx.turn.pending)
                unsupported = isinstance(exc, UnsupportedAnswer)
                note = UNSUPPORTED_NOTE if unsupported else DEGRADED_NOTE
                # Whatever the failed attempt streamed is withdrawn before the built-in assistant's answer.
                yield ReplaceEvent("", ("unsupported_answer" if unsupported else "model_failed",))
        assert ctx is not None and messages is not None
        new = messages[len(inputs) - 1 :]
        reasons: tuple[str, ...] = ("unsupported_answer",) if note == UNSUPPORTED_NOTE else ()
        if not note and self._remote(self.model):
            new, reasons = self._honest(principal, conversation_id, text, ctx, new)
            if reasons:
                yield ReplaceEvent(_final_text(new), reasons)
        seconds = time.perf_counter() - started
        record = agent_turn_record(
            principal.email,
            principal.channel,
            text,
            ctx.turn,
            answered=_cites(new) and bool(ctx.turn.citations) and not _gap(new),
            seconds=seconds,
            model=_model_name(self.fallback if note else self.model),
            degraded=bool(note),
            guard=_guard_reasons(reasons, ctx),
        )
        # The lock goes back with the turn's messages unless `_finish` still reads or writes under it (a
        # proposal to report, or a reminder of the one that waits).
        last = keep is None and ctx.turn.pending is None
        seq = self.store.append(conversation_id, new, record, release=held if last else None)
        yield from self._finish(conversation_id, ctx, new, prefix, note, seconds, keep, reasons, seq)

    def _remote(self, model: BaseChatModel) -> bool:
        """A model whose words are checked before they are shown: any but the built-in planner."""
        return self.fallback is not None and model is not self.fallback

    def _honest(
        self, principal: Principal, conversation_id: str, text: str, ctx: AgentContext, new: list[BaseMessage]
    ) -> tuple[list[BaseMessage], tuple[str, ...]]:
        """The turn's messages with the final reply replaced when it may not be shown (agent/guard.py)."""
        reasons = list(guard.inspect(_final_text(new), new, TOOL_NAMES).reasons)
        if ctx.turn.pending is not None and _asks_how(text):
            # A question never proposes a change by itself: the proposal is withdrawn, and offered instead.
            self._withdraw(principal, conversation_id, ctx.turn.pending)
            ctx.turn.pending = None
            reasons.append("proposal_for_question")
        if not reasons:
            return new, ()
        reply = (
            guard.rebuild(new, text)
            if "proposal_for_question" not in reasons
            else guard.rebuild([m for m in new if not _proposal(m)], text) + R.QUESTION_OFFER
        )
        log.warning("model reply replaced: %s", ",".join(reasons))
        replaced = [m for m in new if isinstance(m, AIMessage) and not m.tool_calls]
        usage = next((m.usage_metadata for m in reversed(replaced) if m.usage_metadata), None)
        final = AIMessage(reply, response_metadata={"guard": reasons}, usage_metadata=usage)
        body = [_quiet(m) for m in new if not (isinstance(m, AIMessage) and not m.tool_calls)]
        return body + [final], tuple(reasons)

    def _withdraw(self, principal: Principal, conversation_id: str, action: PendingAction | None) -> None:
        """A proposal from a failed attempt was never shown to the user: it must not wait for a "yes"."""
        if action is not None:
            try:
                self.billing.reject(principal, action.id, conversation_id)
            except ActionAlreadyDecided:
                pass

    def _models(self) -> list[BaseChatModel]:
        return [self.model] + ([self.fallback] if self.fallback is not None else [])

    def _loop(self, model: BaseChatModel) -> AgentLoop:
        key = id(model)
        if key not in self._loops:
            self._loops[key] = AgentLoop(model, self.tools, policy_prompt(), timed=self._remote(model))
        return self._loops[key]

    def _stream(
        self,
        model: BaseChatModel,
        inputs: list[BaseMessage],
        ctx: AgentContext,
        stream_tokens: bool = True,
        guarded: bool = False,
    ) -> Generator[TurnEvent, None, list[BaseMessage]]:
        """The loop's events (a remote model's words pass the sentence gate first); returns the messages of the
        turn, inputs included."""
        run = self._loop(model).run(inputs, ctx, stream_tokens=stream_tokens)
        if not guarded:
            return (yield from run)
        return (yield from _gated(run, guard.SentenceGate(TOOL_NAMES)))

    def _finish(
        self,
        conversation_id: str,
        ctx: AgentContext,
        new: list[BaseMessage],
        prefix: str,
        note: str,
        seconds: float,
        keep: PendingAction | None = None,
        guarded: tuple[str, ...] = (),
        message_id: int | None = None,
    ) -> Iterator[TurnEvent]:
        """`note`: what the reply starts with when the built-in assistant answered instead of the model."""
        turn = ctx.turn
        degraded = bool(note)
        answer = next((m.content for m in reversed(new) if isinstance(m, AIMessage) and m.content), "")
        reply = note + prefix + (answer if isinstance(answer, str) else str(answer))
        if keep is not None and turn.pending is None:
            reminder = self._still_waiting(conversation_id, ctx.principal, keep)
            if reminder:
                reply += reminder
                yield TokenEvent(reminder)
        citations = [_citation(c) for c in turn.citations] if _cites(new) else []
        if citations:
            yield CitationsEvent(citations)
        # Ask the domain, not the tools' log: parallel tool calls may have superseded each other.
        waiting = turn.pending is not None or keep is not None
        actions = self.billing.pending_actions(ctx.principal, conversation_id) if waiting else []
        pending = action_dict(actions[-1]) if actions else None
        if pending:
            yield PendingActionEvent(pending)
        result = TurnResult(
            conversation_id,
            reply,
            citations,
            [ToolCallView(name=c.name, args=c.args, ok=c.ok) for c in turn.tool_calls],
            pending,
            _handoff(turn.handoff),
            turn.links,
            model=_model_name(self.fallback if degraded else self.model),
            degraded=degraded,
            usage=_usage(new) | {"ms": int(seconds * 1000)},
            guard=_guard_reasons(guarded, ctx),
            message_id=message_id or None,
        )
        yield DoneEvent(result)


def _gated(
    run: Generator[TurnEvent, None, list[BaseMessage]], gate: guard.SentenceGate
) -> Generator[TurnEvent, None, list[BaseMessage]]:
    """The loop's events with every token passed through the sentence gate; returns what the loop returns."""
    while True:
        try:
            event = next(run)
        except StopIteration as done:
            messages: list[BaseMessage] = done.value
            break
        if not isinstance(event, TokenEvent):
            yield event
        elif shown := gate.feed(event.text):
            yield TokenEvent(shown)
    if rest := gate.close():
        yield TokenEvent(rest)
    return messages


def _cites(new: list[BaseMessage]) -> bool:
    """Whether the sources searched this turn may be shown beside the reply: not when the built-in assistant
    says it answered from none of them ("I don't know", off-topic)."""
    final = next((m for m in reversed(new) if isinstance(m, AIMessage) and not m.tool_calls), None)
    return final is None or bool(final.response_metadata.get("cites", True))


def _guard_reasons(replaced: tuple[str, ...], ctx: AgentContext) -> list[str]:
    """Why the model's reply was replaced, and which proposed fields were refused as not given by the user."""
    return list(replaced) + [f"ungrounded:{f}" for f in ctx.turn.ungrounded]


def _gap(new: list[BaseMessage]) -> bool:
    """Whether the built-in assistant said the question names something no article covers."""
    final = next((m for m in reversed(new) if isinstance(m, AIMessage) and not m.tool_calls), None)
    return final is not None and bool(final.response_metadata.get("gap", False))


def _service_record(principal: Principal, kind: str, text: str, started: float) -> TurnRecord:
    """A turn the service answered without the model (a typed decision, an unclear reply to a proposal)."""
    latency = int((time.perf_counter() - started) * 1000)
    return TurnRecord(principal.email, principal.channel, kind, text, latency_ms=latency)


def _unsupported(messages: list[BaseMessage] | None, n_inputs: int, text: str) -> bool:
    """A question answered without any lookup, or a typed card number not answered with the secure form."""
    new = (messages or [])[n_inputs:]
    if CARD_MASK.search(text):  # card numbers are never taken in chat: the answer is always the secure form
        return not any(isinstance(m, ToolMessage) and m.name == "card_update_form" for m in new)
    if any(isinstance(m, ToolMessage) for m in new):
        return False
    return _question(text)


def _question(text: str) -> bool:
    """A question about the portal or one's data, as the service's own classifier (not the model) reads it."""
    return classify(text, "none").act in QUESTIONS


def _answered(messages: list[BaseMessage] | None, n_inputs: int) -> bool:
    new = (messages or [])[n_inputs - 1 :]
    return any(
        isinstance(m, AIMessage) and (m.content.strip() if isinstance(m.content, str) else bool(m.content)) for m in new
    )


def _final_text(new: list[BaseMessage]) -> str:
    answer = next((m.content for m in reversed(new) if isinstance(m, AIMessage) and not m.tool_calls), "")
    return answer if isinstance(answer, str) else str(answer)


def _quiet(message: BaseMessage) -> BaseMessage:
    """A tool-calling message keeps its calls; words beside them that may not be shown are dropped."""
    if (
        isinstance(message, AIMessage)
        and message.content
        and guard.unsafe_text(str(message.content), TOOL_NAMES) is not None
    ):
        return message.model_copy(update={"content": ""})
    return message


def _proposal(message: BaseMessage) -> bool:
    return isinstance(message, ToolMessage) and '"proposed":true' in str(message.content).replace(" ", "")


def _asks_how(text: str) -> bool:
    """A question, not a request: read as one by the service's own classifier (not the model) and shaped
    as one (a question mark or a question word first; "invoice 1003" answering "which invoice?" is not)."""
    asked = shape(text)
    return bool(asked["q_mark"] or asked["wh_first"] or asked["aux_first"]) and _question(text)


def _service_message(reply: str, action: PendingAction) -> AIMessage:
    """The service's own message about a decision, marked so the next turn knows what was decided."""
    return AIMessage(
        reply,
        response_metadata=service_marker(
            "decision", status=action.status.value, operation=action.operation, args=action.args
        ),
    )


def _clean_text(text: str) -> str:
    text = mask((text or "").strip())
    if not text:
        raise InvalidInput("text", "", "the message is empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput("text", text[:40] + "…", f"a message can be at most {MAX_TEXT} characters")
    return text


def _usage(messages: list[BaseMessage]) -> dict[str, int]:
    total = {"input_tokens": 0, "output_tokens": 0}
    for m in messages:
        usage = getattr(m, "usage_metadata", None) or {}
        for key in total:
            total[key] += int(usage.get(key, 0))
    return total


def _model_name(model: BaseChatModel | None) -> str:
    return str(getattr(model, "model_name", None) or getattr(model, "_llm_type", "model"))


def _citation(c: Mapping[str, object]) -> Citation:
    return Citation(
        title=str(c["title"]), source=str(c["source"]), heading=str(c["heading"]), score=float(str(c["score"]))
    )


def _handoff(h: Mapping[str, object] | None) -> Handoff | None:
    if h is None:
        return None
    return Handoff(case_id=str(h["case_id"]), queue=str(h["queue"]), assignee=str(h["assignee"]))
