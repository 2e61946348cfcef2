"""The vocabulary of understanding: what a message does (its dialogue act) and what it is about (its intent)."""

from __future__ import annotations

from enum import StrEnum


class Act(StrEnum):
    """What a message does in the conversation, decided before what it is about."""

    PORTAL_QUESTION = "portal_question"  # how the portal works, a policy, what the assistant can do
    DATA_QUESTION = "data_question"  # the user's own data: list, show, status, eligibility of one item
    REQUEST = "request"  # make a change
    SLOT_ANSWER = "slot_answer"  # the value the assistant just asked for
    AFFIRM = "affirm"
    DENY = "deny"
    CORRECTION = "correction"  # a different value for the request just made
    HANDOFF = "handoff"  # a person, now
    SMALLTALK = "smalltalk"
    OFF_TOPIC = "off_topic"


ACTS: tuple[str, ...] = tuple(a.value for a in Act)
QUESTIONS = frozenset({Act.PORTAL_QUESTION, Act.DATA_QUESTION})

# Intents are the skills (agent/planner/skills.py) plus two that name no skill.
GENERAL = "general"  # a portal question about nothing a skill does (signing in, resellers, the portal itself)
NONE = "none"  # the act carries no topic of its own (a yes, a value, small talk)

# What the assistant's previous message left open, as the classifier sees it.
CONTEXTS: tuple[str, ...] = (
    "none",
    "proposal",
    "offer",
    "shown",
    "asked:invoice_id",
    "asked:contract_id",
    "asked:email",
    "asked:name",
    "asked:po_number",
    "asked:address",
    "asked:contact",
    "asked:user",
    "asked:queue",
)
