"""`OfflinePlanner`: the embedded default model. A LangChain chat model that reads the conversation
and answers with exactly one tool call or one reply, deterministically and without network."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from agent import phrasing as R
from agent.planner import dialogue, faq
from agent.planner import state as dialogue_state
from agent.planner.history import read_turns
from agent.planner.skills import SKILL_OF_OPERATION, slots_of
from agent.planner.work import Call, NeedCall, Say, TooManySteps, Work


class OfflinePlanner(BaseChatModel):
    """Understands the capabilities of the portal in plain English (a learned dialogue-act and intent
    classifier, exact slot rules), keeps an explicit dialogue state with the conversation, and phrases
    tool results. Same input, same output."""

    model_name: str = "offline-planner"
    tool_names: list[str] = Field(default_factory=list)
    cache_dir: Path | None = None  # the help articles' embedded sentences, kept between starts (faq.warm_up)

    @property
    def _llm_type(self) -> str:
        return "offline-planner"

    def bind_tools(self, tools: Sequence[object], **kwargs: object) -> OfflinePlanner:
        names = [
            getattr(t, "name", None) or (t.get("function", {}).get("name") if isinstance(t, dict) else str(t))
            for t in tools
        ]
        return self.model_copy(update={"tool_names": [n for n in names if n]})

    def warm_up(self) -> None:
        """Load the classifier and the embedding model now (service start) rather than on the first message."""
        import threading

        from agent.planner import classifier, features

        classifier.load()
        features.embed("hello")
        # The help articles' sentences are embedded in the background: readiness does not wait for them,
        # and a first question that comes sooner embeds what it needs itself.
        threading.Thread(target=faq.warm_up, args=(self.cache_dir,), name="faq-warm-up", daemon=True).start()

    def plan(self, messages: list[BaseMessage]) -> AIMessage:
        """The next assistant message for this conversation."""
        kept: list[BaseMessage] = [m for m in messages if isinstance(m, (HumanMessage, AIMessage, ToolMessage))]
        turns = read_turns(kept)
        if not turns or not turns[-1].human.strip():
            return AIMessage(content="How can I help you with the Billing Portal?")
        if self.cache_dir is not None:
            faq.read_cache(self.cache_dir)  # once per process: what `index build` or a warm-up kept
        before = dialogue_state.load(kept, SKILL_OF_OPERATION, slots_of)
        work = Work(turns[-1].steps, before, turns[:-1], message=turns[-1].human)
        try:
            action: Call | Say = Say(dialogue.reply(work, turns[-1].human))
        except NeedCall as need:
            action = need.call
        except TooManySteps:
            action = Say(f"{R.LOOP} {R.offer_case('customer_service')}")
        if isinstance(action, Call) and self.tool_names and action.name not in self.tool_names:
            action = Say(f"I can't do that here. {R.offer_case('customer_service')}")
        if isinstance(action, Say):
            return AIMessage(
                content=action.text or "How can I help you with the Billing Portal?",
                # "cites": whether the reply answers from the articles searched this turn; if not (it does not
                # know, or it is off-topic), the runner shows no sources beside it. "gap": the question named
                # something no article covers (a knowledge gap, even when a nearest passage is shown).
                response_metadata={
                    dialogue_state.STATE_KEY: work.state.to_dict(),
                    "cites": bool(work.answered_from),
                    "gap": bool(work.gaps),
                },
            )
        digest = hashlib.sha1(
            f"{len(messages)}|{turns[-1].human}|{action.name}|{json.dumps(action.args, sort_keys=True)}".encode()
        ).hexdigest()[:16]
        return AIMessage(
            content="",
            tool_calls=[{"name": action.name, "args": action.args, "id": f"call_{digest}", "type": "tool_call"}],
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: object,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self.plan(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: object,
    ) -> Iterator[ChatGenerationChunk]:
        message = self.plan(messages)
        if message.tool_calls:
            call = message.tool_calls[0]
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="",
                    tool_call_chunks=[
                        {"name": call["name"], "args": json.dumps(call["args"]), "id": call["id"], "index": 0}
                    ],
                )
            )
            return
        pieces = re.findall(r"\S+\s*|\s+", str(message.content))
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            # The dialogue state travels on the last chunk, so the merged streamed message carries it.
            chunk = ChatGenerationChunk(
                message=AIMessageChunk(content=piece, response_metadata=message.response_metadata if last else {})
            )
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
