"""The output guard: a remote model's reply is shown and stored only if it is honest.

Inside a model turn nothing is executed — only the service executes, on a person's confirmation —
so a reply that claims a change was made is false by construction. A reply that carries tool or
template markup, or talks about the machinery (function names, "the domain"), is not for people. A
reply that refuses or says nothing after tools answered throws their answer away. Such a reply is
replaced by one built from what the turn really did: the proposal's summary, the domain's refusal,
the tools' results, phrased by the same code the offline planner uses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent import phrasing as R
from agent.planner import faq
from agent.planner.skills import BY_TOOL

MARKUP = re.compile(
    r"</?(?:tool_call|tool_response|tools?|function(?:_call)?|functions|tool_calls|arguments|invoke|parameter)\b"
    r"|<\|(?:im_start|im_end|eot_id|start_header_id|end_header_id|python_tag)\|>|\[/?(?:INST|TOOL_CALLS|TOOL_RESULTS)\]"
    r"|```"  # a billing assistant never needs a code block: fenced JSON is a tool call it could not make
    r"|\{\s*\"(?:name|function)\"\s*:\s*\"[a-z_]+\"\s*,\s*\"(?:arguments|parameters|args)\"",
    re.I,
)
INTERNAL = re.compile(
    r"\b(?:the|a|this|that) (?:\w+ )?(?:function|tool call|tool|api call|domain|backend|json)\b"
    r"|\bfunction call\b|\btool_call\b",
    re.I,
)
# Completed changes. Nothing is executed inside a model turn, so every one of these is false.
CLAIM = re.compile(
    r"\b(?:i(?:'ve| have)?|we(?:'ve| have)?)\s+(?:just\s+|now\s+|successfully\s+|already\s+)*"
    r"(?:paid|processed|charged|updated|changed|set|removed|added|granted|revoked|invited|disabled|turned off|"
    r"cancelled|canceled|submitted|completed|made|applied|saved|replaced|executed|confirmed)\b"
    r"|\b(?:has|have) been (?:successfully )?(?:paid|processed|charged|updated|changed|set|removed|added|granted|"
    r"revoked|invited|disabled|turned off|cancelled|canceled|submitted|completed|made|applied|saved|replaced|executed)\b"
    r"|\b(?:payment|change|update|request|invitation|removal) (?:was|is) (?:successful|complete|completed|done|"
    r"processed|confirmed)\b|\bsuccessfully (?:paid|processed|updated|changed|removed|added|granted|submitted|"
    r"completed|disabled)\b|\b(?:is|are) now (?:paid|updated|set to|removed|disabled|turned off|off)\b"
    r"|\bconfirmation (?:number|code)\b",
    re.I,
)
REFUSING = re.compile(
    r"^\W*(?:i'?m sorry,?\s+)?(?:i\s+(?:can(?:no|')t|cannot|am unable to|'m unable to|am not able to)"
    r"|(?:sorry|unfortunately)\b.{0,40}\b(?:can(?:no|')t|cannot|unable)\b)",
    re.I,
)


@dataclass(frozen=True)
class Verdict:
    """Why a reply may not be shown as it is (empty when it may)."""

    reasons: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.reasons


BILLING_OBJECT = re.compile(
    r"\b(?:INV-\w+|C-\d+|invoices?|bills?|payments?|paid|charged?|PO\b|purchase order|address|"
    r"contacts?|auto[\s-]?renew\w*|renewal|access|users?|contracts?|card on file|"
    r"e-?mail|phone|case)\b",
    re.I,
)


def unsafe_text(text: str, tool_names: frozenset[str]) -> str | None:
    """The first reason this piece of text may not be shown, or None (used sentence by sentence while streaming)."""
    if MARKUP.search(text):
        return "markup"
    if any(re.search(rf"\b{re.escape(name)}\b", text) for name in tool_names) or INTERNAL.search(text):
        return "internal_wording"
    if claims_change(text):
        return "false_claim"
    return None


def claims_change(text: str) -> bool:
    """A sentence that says a change to billing data was made ("I've paid INV-1001", "the PO has been updated")."""
    return any(CLAIM.search(s) and BILLING_OBJECT.search(s) for s in re.split(r"(?<=[.!?])\s+|\n+", text))


def inspect(reply: str, new: list[BaseMessage], tool_names: frozenset[str]) -> Verdict:
    """The reasons a model's final reply is replaced: markup, internal wording, a claimed change, no reply,
    or a refusal after the tools answered."""
    reasons = []
    if not re.search(r"[^\W\d_]{2}", reply):  # nothing, or only braces and digits ('{}}', a stray JSON start)
        reasons.append("empty")
    elif (why := unsafe_text(reply, tool_names)) is not None:
        reasons.append(why)
        if why != "false_claim" and claims_change(reply):
            reasons.append("false_claim")
    elif REFUSING.search(reply) and any(r.get("ok") is not False for _, _, r in _results(new)):
        reasons.append("refused_after_results")
    return Verdict(tuple(reasons))


def rebuild(new: list[BaseMessage], question: str) -> str:
    """A reply from what the turn really did, in the order it happened; the proposal comes last."""
    parts: list[str] = []
    proposal = ""
    for name, args, r in _results(new):
        if r.get("ok") is False:
            parts.append(R.refusal(r))
        elif r.get("proposed"):
            proposal = R.proposal(str(r.get("summary", "")))
        elif text := _phrase(name, args, r, question):
            parts.append(text)
    if proposal:
        parts.append(proposal)
    if not parts:
        return "I couldn't put together a reliable answer to that. Could you say it another way? " + R.offer_case(
            "customer_service"
        )
    return "\n\n".join(dict.fromkeys(parts))


def _phrase(name: str, args: dict[str, Any], r: dict[str, Any], question: str) -> str:
    if name == "search_knowledge":
        passages = faq.number([r.get("passages") or []])
        return faq.answer(question, passages) or (R.DONT_KNOW + " " + R.offer_case("customer_service"))
    if name == "list_invoices":
        return R.invoice_list(r.get("invoices") or [], args.get("status"), args.get("contract_id"))
    if name == "list_contracts":
        contracts = r.get("contracts") or []
        return (
            ("Your contracts:\n" + R.bullets([R.contract_line(c) for c in contracts])) if contracts else R.NO_CONTRACTS
        )
    if name == "create_support_case":
        team = R.QUEUE_LABEL.get(str(r.get("queue")), "Customer Service")
        return f"I've opened case {r.get('case_id')} with {team}; someone will get back to you."
    skill = BY_TOOL.get(name)
    if skill is None:
        return ""
    try:
        return skill.reply(r, dict(args))
    except (KeyError, TypeError, ValueError):
        return ""


def _results(new: list[BaseMessage]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(tool, arguments, parsed result) of every tool call answered in the turn."""
    calls = {
        c["id"]: (c["name"], dict(c.get("args") or {}))
        for m in new
        if isinstance(m, AIMessage)
        for c in m.tool_calls or []
    }
    out = []
    for m in new:
        if isinstance(m, ToolMessage) and m.tool_call_id in calls:
            try:
                result = json.loads(m.content) if isinstance(m.content, str) else {}
            except ValueError:
                result = {"ok": False, "message": str(m.content)}
            out.append((*calls[m.tool_call_id], result if isinstance(result, dict) else {}))
    return out


class SentenceGate:
    """Streams a remote model's text one checked sentence at a time; after an unsafe sentence, nothing more.

    What was held back is replaced at the end of the turn (the `replace` event) by the guarded reply."""

    _END = re.compile(r"(?<=[.!?:])\s+|\n+")

    def __init__(self, tool_names: frozenset[str]) -> None:
        self.tool_names = tool_names
        self.pending = ""
        self.blocked: str | None = None

    def feed(self, text: str) -> str:
        """The part of the text so far that is complete and safe to show now."""
        if self.blocked:
            return ""
        self.pending += text
        out = ""
        while (m := self._END.search(self.pending)) is not None:
            sentence, self.pending = self.pending[: m.end()], self.pending[m.end() :]
            if (why := unsafe_text(sentence, self.tool_names)) is not None:
                self.blocked, self.pending = why, ""
                return out
            out += sentence
        return out

    def close(self) -> str:
        """The last, unterminated sentence if it is safe."""
        rest, self.pending = self.pending, ""
        if self.blocked or not rest or unsafe_text(rest, self.tool_names) is not None:
            return ""
        return rest
