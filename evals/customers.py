"""Customer batches: conversations written from the product description alone, scored turn by turn.

A batch is YAML (format: evals/README.md): conversations of labelled user turns, each with its
dialogue act, intent and the outcome a careful assistant produces (an answer, a read, a proposal,
a question back, a refusal, a hand-off, a confirmation...). Every conversation runs on a fresh demo
world through the real runner; a turn passes when its outcome holds. The act and intent the
understanding model assigns are scored too (in the context the conversation was really in).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypedDict, cast

import yaml

from agent.runner import Runner
from billing.principal import Principal
from evals.records import CitationView, DecidedView, PendingView, ToolCallView
from tools.context import Handoff

if TYPE_CHECKING:  # pragma: no cover
    from langchain_core.messages import HumanMessage

    from evals.knowledge import Knowledge

ASK_WORDS = {
    "invoice_id": r"invoice",
    "contract_id": r"contract",
    "email": r"e-?mail",
    "name": r"name",
    "po_number": r"\bPO\b|purchase order",
    "address": r"address",
    "contact": r"contact|name|e-?mail|phone",
    "user": r"user|e-?mail|who",
    "queue": r"team|who|which",
}
REFUSE_WORDS = {
    "paid": r"already paid|is paid|been paid|nothing to pay",
    "processing": r"process|being paid|settle",
    "disputed": r"disput",
    "limit": r"limit|50,000",
    "no_card": r"card|wire|bank transfer|invoice or wire",
    "window": r"30 days|180 days|window|days away|can only be turned off",
    "country": r"country",
    "protected_role": r"Primary Billing Contact|Credit Card Holder|cannot be removed|can't be removed",
    "no_access": r"couldn't find|could not find|not found|don't have access|no access|among the|can access",
    "reseller": r"partner|reseller",
    "already_off": r"already off",
    "void": r"void",
}
DONT_KNOW = re.compile(r"\bI don't know\b", re.I)
TOPICAL = frozenset({"portal_question", "data_question", "request", "handoff"})  # acts whose intent is used


# An outcome as a batch writes it: `answer`, or `{propose: pay_invoice, args: {...}}`; a message with two
# requests lists two. A label is an act or an intent name, or a list of them (the first one is scored).
Outcome: TypeAlias = str | dict[str, object]
Expected: TypeAlias = Outcome | list[Outcome]
Label: TypeAlias = str | list[str] | None


class TurnOutcome(TypedDict, total=False):
    """What the runner returned for a turn (the turn result's JSON), as far as outcomes read it."""

    reply: str
    tool_calls: list[ToolCallView]
    citations: list[CitationView]
    pending_action: PendingView | None
    decided_action: DecidedView | None
    handoff: Handoff | None
    links: list[dict[str, str]]


class BatchSummary(TypedDict):
    """A scored batch in figures: shares of turns that passed, overall and per kind."""

    turns: int
    outcome: float
    act: float
    intent: float
    questions: float
    tasks: float
    mentions: float
    by_outcome: dict[str, tuple[int, int]]  # kind -> (passed, turns)


@dataclass
class Turn:
    user: str
    act: Label
    intent: Label
    expect: Expected
    mentions: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    id: str
    user: str
    turns: list[Turn]


@dataclass
class TurnScore:
    conversation: str
    index: int
    text: str
    expect: Expected
    passed: bool
    why: str
    act: str
    act_ok: bool
    intent: str
    intent_ok: bool
    mentions_ok: bool | None
    reply: str
    expected_act: str = ""
    expected_intent: str = "none"
    context: str = "none"  # what the assistant's previous message left open, as the classifier saw it


def load_batch(path: Path) -> list[Conversation]:
    out = []
    for raw in yaml.safe_load(path.read_text()) or []:
        turns = [
            Turn(
                str(t["user"]),
                t.get("act"),
                t.get("intent"),
                _expect(t.get("expect")),
                list(t.get("mentions") or _mentions(t.get("expect"))),
            )
            for t in raw.get("turns") or []
        ]
        out.append(Conversation(str(raw["id"]), str(raw.get("as") or "alice@acme.example"), turns))
    return out


def _expect(value: object) -> Expected:
    """`{answer: true, mentions: [...]}` is the same outcome as `answer` with `mentions` beside it."""
    if isinstance(value, list):
        return [_one_expect(v) for v in value]
    return _one_expect(value)


def _one_expect(value: object) -> Outcome:
    if isinstance(value, dict):
        return "answer" if "answer" in value else value
    if isinstance(value, str):
        return value
    raise ValueError(f"an expected outcome is a name or a mapping, not {value!r}")


def _mentions(value: object) -> list[str]:
    mentions = value.get("mentions") if isinstance(value, dict) else None
    return [str(m) for m in mentions] if isinstance(mentions, list) else []


def _first(value: Label) -> str | None:
    return (value[0] if value else None) if isinstance(value, list) else value


def _first_outcome(value: Expected) -> Outcome:
    return value[0] if isinstance(value, list) else value


def _kind(value: Outcome) -> str:
    return value if isinstance(value, str) else next(iter(value))


def _same(actual: object, want: object) -> bool:
    if isinstance(want, list):
        return isinstance(actual, list) and sorted(map(_norm, actual)) == sorted(map(_norm, want))
    return _norm(actual) == _norm(want)


def _norm(value: object) -> str:
    return " ".join(str(value).split()).strip().lower()


def _args_match(actual: Mapping[str, object], want: object) -> bool:
    return all(_same(actual.get(k), v) for k, v in (want if isinstance(want, dict) else {}).items())


def _proposes(pending: Mapping[str, object], tool: object, args: object) -> bool:
    actual = pending.get("args")
    return pending.get("tool") == tool and _args_match(actual if isinstance(actual, Mapping) else {}, args)


_ID = re.compile(r"(?:INV|C)-[A-Z0-9-]+", re.I)


def outcome(
    expect: Outcome, r: TurnOutcome, alone: bool = True, act: str | None = None, waiting: str | None = None
) -> tuple[bool, str]:
    """Whether one expected outcome holds for a turn's result (`r`: what the runner returned). With
    `alone` false it is one of two requests in one message: the other may have proposed a change."""
    pending, calls, reply = r.get("pending_action"), r.get("tool_calls") or [], r.get("reply") or ""
    if not alone and (not isinstance(expect, dict) or next(iter(expect)) != "propose"):
        pending = None
    kind0 = _kind(expect)
    if pending and waiting and pending.get("id") == waiting and kind0 not in ("propose", "reask"):
        pending = None  # the proposal made before this turn, still waiting: not something this turn did
    decided: DecidedView | dict[str, str] = r.get("decided_action") or {}
    value: object
    args: object
    if isinstance(expect, str):
        kind, value, args = expect, None, {}
    else:
        kind = next(iter(expect))
        value, args = expect[kind], expect.get("args") or {}
    if kind == "answer" and act == "smalltalk":  # "thanks!", "good morning": a reply, nothing proposed
        ok = bool(reply.strip()) and not pending
        return ok, "" if ok else "no reply"
    if kind == "answer":
        ok = bool(r.get("citations")) and not pending and not DONT_KNOW.search(reply)
        return ok, "" if ok else "no cited answer"
    if kind == "show":
        ok = any(c["name"] == value and _args_match(c.get("args") or {}, args) for c in calls) and not pending
        return ok, "" if ok else f"no {value} call with {args}"
    if kind == "propose" and not alone and pending and not _proposes(pending, value, args):
        # the second change of a message waits for "next" (one at a time); the same change on another item
        # ("pay INV-2001 and INV-2002") is set aside by naming that item
        aside = reply.partition("You also asked")[2]
        ids = [v for v in (args.values() if isinstance(args, dict) else ()) if isinstance(v, str) and _ID.fullmatch(v)]
        ok = bool(aside) and (pending["tool"] != value or all(i in aside for i in ids))
        return ok, "" if ok else f"{value} neither proposed nor set aside for next"
    if kind == "propose":
        ok = bool(pending and _proposes(pending, value, args))
        return ok, "" if ok else f"proposal {pending and (pending['tool'], pending.get('args'))} != {value} {args}"
    if kind == "ask":
        ok = not pending and "?" in reply and bool(re.search(ASK_WORDS.get(str(value), "."), reply, re.I))
        return ok, "" if ok else "did not ask for " + str(value)
    if kind == "refuse":
        ok = not pending and bool(re.search(REFUSE_WORDS.get(str(value), re.escape(str(value))), reply, re.I))
        return ok, "" if ok else f"no refusal ({value})"
    if kind == "card_form":
        ok = not pending and any(link.get("kind") == "card_form" for link in r.get("links") or [])
        return ok, "" if ok else "no card form"
    if kind == "handoff":
        handoff = r.get("handoff")
        ok = bool(handoff and (value is None or handoff.get("queue") == value))
        return ok, "" if ok else f"no hand-off to {value}"
    if kind == "offer_handoff":
        ok = not r.get("handoff") and bool(re.search(r"open a case|talk to|hand", reply, re.I))
        return ok, "" if ok else "no hand-off offered"
    if kind == "confirm":
        ok = decided.get("status") in ("executed", "failed")
        return ok, "" if ok else "nothing confirmed"
    if kind == "cancel":
        ok = decided.get("status") == "rejected" or (
            not pending
            and bool(
                re.search(
                    r"cancel|nothing (?:was|has been) "
                    r"changed|won't",
                    reply,
                    re.I,
                )
            )
        )
        return ok, "" if ok else "not cancelled"
    if kind == "reask":
        ok = bool(pending) and not decided
        return ok, "" if ok else "the proposal was not kept and asked again"
    if kind == "decline":
        ok = not pending and not calls and bool(re.search(r"only help|can't help|cannot help", reply, re.I))
        return ok, "" if ok else "not declined"
    return False, f"unknown expectation {kind}"


def _understanding(
    runner: Runner, principal: Principal, conversation_id: str, text: str, pending: bool
) -> tuple[str, str, str]:
    """The act and intent the model gives this message in the context the conversation is in, and that context."""
    from agent.confirm import Reply, lexical_reply
    from agent.planner import classifier, state
    from agent.planner.skills import SKILL_OF_OPERATION, slots_of

    context = (
        "proposal"
        if pending
        else state.load(runner.store.history(conversation_id) + [_human(text)], SKILL_OF_OPERATION, slots_of).context()
    )
    lexical = lexical_reply(text)
    if lexical is not None:
        return ("affirm" if lexical is Reply.AFFIRM else "deny"), "none", context
    p = classifier.load().predict(text, context)
    return p.act, p.intent, context


def _human(text: str) -> HumanMessage:
    from langchain_core.messages import HumanMessage

    return HumanMessage(text)


def run_conversation(runner: Runner, conv: Conversation) -> list[TurnScore]:
    principal = Principal(conv.user, "web")
    conversation_id = runner.start_conversation(principal).id
    scores: list[TurnScore] = []
    for i, turn in enumerate(conv.turns):
        waiting = runner.billing.pending_actions(principal, conversation_id)
        act, intent, context = _understanding(runner, principal, conversation_id, turn.user, bool(waiting))
        result: TurnOutcome
        try:
            result = cast(TurnOutcome, runner.run_turn(principal, conversation_id, turn.user).to_dict())
        except Exception as exc:  # noqa: BLE001 - a refused message is a scored outcome
            result = {"reply": f"{type(exc).__name__}: {exc}"}
        expects = turn.expect if isinstance(turn.expect, list) else [turn.expect]
        acts: list[str | None] = (list(turn.act) or [None]) if isinstance(turn.act, list) else [turn.act]
        before = waiting[-1].id if waiting else None
        checks = [
            outcome(e, result, len(expects) == 1, acts[min(n, len(acts) - 1)], before) for n, e in enumerate(expects)
        ]
        reply = result.get("reply") or ""
        mentions = all(_norm(m) in _norm(reply) for m in turn.mentions) if turn.mentions else None
        scores.append(
            TurnScore(
                conv.id,
                i,
                turn.user,
                turn.expect,
                all(ok for ok, _ in checks),
                "; ".join(w for ok, w in checks if not ok),
                act,
                act == _first(turn.act),
                intent,
                intent == (_first(turn.intent) or "none"),
                mentions,
                reply,
                str(_first(turn.act)),
                str(_first(turn.intent) or "none"),
                context,
            )
        )
    return scores


def score_batch(path: Path, today: dt.date, *, knowledge: Knowledge | None = None) -> list[TurnScore]:
    """Run every conversation of a batch on a fresh demo world with the offline planner."""
    from agent.planner import OfflinePlanner
    from bootstrap.container import build_runner
    from evals.knowledge import build_knowledge
    from evals.world import Worlds

    worlds = Worlds()
    try:
        knowledge = knowledge or build_knowledge(worlds.root / "index")
        scores: list[TurnScore] = []
        for conv in load_batch(path):
            world = worlds.fresh(today)
            try:
                runner = build_runner(world.container, model=OfflinePlanner(), knowledge=knowledge)
                scores.extend(run_conversation(runner, conv))
            finally:
                world.close()
        return scores
    finally:
        worlds.cleanup()


def summary(scores: list[TurnScore]) -> BatchSummary:
    def share(xs: list[bool]) -> float:
        return round(sum(xs) / len(xs), 3) if xs else 0.0

    by_kind: dict[str, list[bool]] = {}
    for s in scores:
        by_kind.setdefault(_kind(_first_outcome(s.expect)), []).append(s.passed)
    mentions = [s.mentions_ok for s in scores if s.mentions_ok is not None]
    questions = [s.passed for s in scores if _first_outcome(s.expect) == "answer"]
    tasks = [s.passed for s in scores if _first_outcome(s.expect) != "answer"]
    topical = [s.intent_ok for s in scores if s.expected_act in TOPICAL]
    return {
        "turns": len(scores),
        "outcome": share([s.passed for s in scores]),
        "act": share([s.act_ok for s in scores]),
        "intent": share(topical),
        "questions": share(questions),
        "tasks": share(tasks),
        "mentions": share(mentions),
        "by_outcome": {k: (sum(v), len(v)) for k, v in sorted(by_kind.items())},
    }


def corpus_items(scores: list[TurnScore]) -> list[dict[str, str]]:
    """A scored batch as corpus items (agent/planner/corpus/README.md): every user turn with its labelled
    act and intent (the first, for two requests in one message) in the context it was really said in."""
    from agent.planner.skills import BY_NAME

    items = []
    for s in scores:
        act, skill = s.expected_act, BY_NAME.get(s.expected_intent)
        if act == "request" and skill is not None and skill.kind == "read":
            act = "data_question"  # "show me my invoices": the corpus calls asking for one's data a data question
        item = {"text": s.text, "act": act, "intent": s.expected_intent}
        if s.context != "none":
            item["context"] = s.context
        items.append(item)
    return items
