"""Block Kit for the bot's messages: the reply, download links, citations and the action card.

Pure functions of the runner's results, so the exact blocks are easy to test.

Only links to this service (PORTAL_PUBLIC_URL) become clickable: the model's text is not trusted to
send people elsewhere, so any other URL is shown as inert code. In a channel, signed links (a bearer
credential while they last) and the confirmation card (its buttons carry the action's ids) go to the
requester alone, as an ephemeral message; the public reply says so.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from typing import Any

from agent.results import ActionResult, ActionView, TurnResult
from tools.context import Citation
from tools.links import LINK_TOKEN

CONFIRM_ID = "portal_action_confirm"
CANCEL_ID = "portal_action_cancel"
CARD_PREFIX = "pending:"
FEEDBACK_UP_ID = "portal_feedback_up"
FEEDBACK_DOWN_ID = "portal_feedback_down"
SECTION_LIMIT = 2900  # Slack allows 3000 characters per section
PAYMENT_OPERATIONS = {"pay_invoice"}
Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack mrkdwn control characters; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


MD_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/)[^)\s]+)\)")
BARE_URL = re.compile(r"(?<![<|`])\b(?:https?://|www\.)[^\s<>|`]+")
PRIVATE_NOTE = "_I sent you the links and the confirmation privately: only you can see them._"
SIGNED_LINK = re.compile(r"(?:https?://[^\s<>()|]*)?" + LINK_TOKEN.pattern + r"(?:/decision)?")


def ours(url: str, base_url: str) -> bool:
    base = base_url.rstrip("/")
    return bool(base) and (url == base or url.startswith(base + "/"))


def _link(match: re.Match[str], base_url: str) -> str:
    label, url = match.group(1), match.group(2)
    full = absolute(base_url, url) if base_url else url
    if ours(full, base_url):
        return f"<{full}|{label}>"
    return f"{label} (`{full}`)"  # shown, never clickable


def mrkdwn(text: str, base_url: str = "") -> str:
    """The model's Markdown in Slack's dialect: our links (relative ones made absolute), bold, headings.
    Any other URL becomes inert code, so model output cannot put a clickable foreign link in Slack."""
    text = MD_LINK.sub(lambda m: _link(m, base_url), escape(text))
    text = BARE_URL.sub(lambda m: m.group(0) if ours(m.group(0), base_url) else f"`{m.group(0)}`", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    return re.sub(r"(?m)^#{1,6}\s+(.+)$", r"*\1*", text)


def without_signed_links(text: str) -> str:
    """A reply fit for a channel: every signed link (relative or absolute) replaced by a pointer."""
    return SIGNED_LINK.sub("(link sent to you privately)", text)


def slack_text_to_plain(text: str, bot_user_id: str | None = None) -> str:
    """What the user typed, without Slack's markup: our mention, <mailto:…|…>, <url|label>, entities."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    text = re.sub(r"<(?:mailto:|https?://)[^|>]+\|([^>]+)>", r"\1", text)
    text = re.sub(r"<((?:mailto:|https?://)[^|>]+)>", lambda m: m.group(1).removeprefix("mailto:"), text)
    text = re.sub(r"<#[A-Z0-9]+\|([^>]*)>", r"#\1", text)
    return html.unescape(re.sub(r"[ \t]+", " ", text)).strip()


def absolute(base_url: str, url: str) -> str:
    return url if url.startswith(("http://", "https://")) else base_url.rstrip("/") + "/" + url.lstrip("/")


def citation_url(base_url: str, citation: Citation) -> str:
    """Knowledge sources ("knowledge/docs/invoices.md") as help pages, anchored at the cited heading."""
    name = citation["source"].rsplit("/", 1)[-1].removesuffix(".md")
    heading = citation.get("heading") or ""
    anchor = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    return absolute(base_url, f"/help/{name}" + (f"#{anchor}" if anchor else ""))


def sections(text: str, base_url: str = "") -> list[Block]:
    body = mrkdwn(text, base_url) or " "
    chunks = [body[i : i + SECTION_LIMIT] for i in range(0, len(body), SECTION_LIMIT)]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def turn_blocks(result: TurnResult, base_url: str, requester: str, thread_ts: str) -> list[Block]:
    """One message per turn (a DM): the reply, then downloads, sources and the confirmation card."""
    return (
        reply_blocks(result, base_url, result.reply)
        + private_blocks(result, base_url, requester, thread_ts)
        + handoff_blocks(result)
    )


def public_turn_blocks(result: TurnResult, base_url: str) -> list[Block]:
    """What a channel sees of a turn: the reply without signed links, sources, a hand-off, a pointer."""
    blocks = reply_blocks(result, base_url, without_signed_links(result.reply)) + handoff_blocks(result)
    if result.links or result.pending_action:
        blocks.append(
            {"type": "context", "block_id": "sent_privately", "elements": [{"type": "mrkdwn", "text": PRIVATE_NOTE}]}
        )
    return blocks


def reply_blocks(result: TurnResult, base_url: str, reply: str) -> list[Block]:
    blocks = sections(reply, base_url)
    if result.citations:
        refs = [f"<{citation_url(base_url, c)}|{escape(c['title'])}>" for c in result.citations[:8]]
        blocks.append(
            {
                "type": "context",
                "block_id": "sources",
                "elements": [{"type": "mrkdwn", "text": "Sources: " + " · ".join(refs)}],
            }
        )
    return blocks


def private_blocks(result: TurnResult, base_url: str, requester: str, thread_ts: str) -> list[Block]:
    """For the requester's eyes only: signed links and the confirmation card."""
    blocks: list[Block] = []
    if result.links:
        lines = [
            f":page_facing_up: <{absolute(base_url, link['url'])}|{escape(link['title'])}>" for link in result.links
        ]
        blocks.append(
            {
                "type": "section",
                "block_id": "downloads",
                "text": {"type": "mrkdwn", "text": "\n".join(lines) + "\n_Links expire in a few minutes._"},
            }
        )
    if result.pending_action:
        blocks += action_card(result.pending_action, result.conversation_id, requester, thread_ts)
    return blocks


def handoff_blocks(result: TurnResult) -> list[Block]:
    if not (result.handoff and result.handoff.get("case_id")):
        return []
    return [
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": f"Support case *{escape(str(result.handoff['case_id']))}* opened."}
            ],
        }
    ]


def button_value(action_id: str, conversation_id: str, requester: str, thread_ts: str) -> str:
    return json.dumps({"a": action_id, "c": conversation_id, "u": requester, "t": thread_ts}, separators=(",", ":"))


def parse_button_value(value: str) -> dict[str, str]:
    data = json.loads(value)
    return {"action_id": data["a"], "conversation_id": data["c"], "requester": data["u"], "thread_ts": data["t"]}


@dataclass(frozen=True)
class FeedbackButton:
    """What a feedback button carries: the thread's conversation by its reference (a reply in a channel
    carries the buttons, and a channel never sees a conversation id), the reply, and who may press it."""

    ref: str
    message_id: int
    requester: str
    thread_ts: str


def feedback_value(button: FeedbackButton) -> str:
    data = {"r": button.ref, "m": button.message_id, "u": button.requester, "t": button.thread_ts}
    return json.dumps(data, separators=(",", ":"))


def parse_feedback_value(value: str) -> FeedbackButton:
    data = json.loads(value)
    return FeedbackButton(str(data["r"]), int(data["m"]), str(data["u"]), str(data["t"]))


def feedback_blocks(result: TurnResult, ref: str, requester: str, thread_ts: str) -> list[Block]:
    """👍 / 👎 under the reply to a turn (not on the confirmation card); none for a reply that was not stored."""
    if result.message_id is None:
        return []
    value = feedback_value(FeedbackButton(ref, result.message_id, requester, thread_ts))
    buttons = [(FEEDBACK_UP_ID, "👍 Helpful"), (FEEDBACK_DOWN_ID, "👎 Not helpful")]
    return [
        {
            "type": "actions",
            "block_id": "feedback",
            "elements": [
                {"type": "button", "action_id": action_id, "value": value, "text": {"type": "plain_text", "text": text}}
                for action_id, text in buttons
            ],
        }
    ]


def action_card(pending: ActionView, conversation_id: str, requester: str, thread_ts: str) -> list[Block]:
    """The pending action with Confirm / Cancel; a payment also gets Slack's own confirm dialog."""
    value = button_value(pending["id"], conversation_id, requester, thread_ts)
    confirm: Block = {
        "type": "button",
        "action_id": CONFIRM_ID,
        "style": "primary",
        "value": value,
        "text": {"type": "plain_text", "text": "Confirm"},
    }
    if pending["tool"] in PAYMENT_OPERATIONS:
        confirm["confirm"] = {
            "title": {"type": "plain_text", "text": "Confirm payment"},
            "text": {"type": "plain_text", "text": (pending["summary"] + "?")[:300]},
            "confirm": {"type": "plain_text", "text": "Pay now"},
            "deny": {"type": "plain_text", "text": "Go back"},
            "style": "primary",
        }
    cancel = {
        "type": "button",
        "action_id": CANCEL_ID,
        "value": value,
        "text": {"type": "plain_text", "text": "Cancel"},
    }
    expires = dt.datetime.fromisoformat(pending["expires_at"])
    fallback = expires.astimezone(dt.UTC).strftime("%H:%M UTC")
    note = (
        f"Only <@{requester}> can decide. Expires <!date^{int(expires.timestamp())}^{{time}}|{fallback}>; "
        "you can also reply *yes* or *no* in this thread."
    )
    return [
        {
            "type": "section",
            "block_id": "pending_summary",
            "text": {"type": "mrkdwn", "text": f":warning: *Please confirm:* {escape(pending['summary'])}"},
        },
        {"type": "actions", "block_id": CARD_PREFIX + pending["id"], "elements": [confirm, cancel]},
        {"type": "context", "block_id": "pending_note", "elements": [{"type": "mrkdwn", "text": note}]},
    ]


def decided_card(message_blocks: list[Block], status: str, actor: str) -> list[Block]:
    """The original message with its buttons replaced by who decided what (buttons cannot be re-pressed)."""
    label = {
        "executed": ":white_check_mark: Confirmed",
        "rejected": ":no_entry_sign: Cancelled",
        "expired": ":hourglass: Expired",
        "failed": ":x: Could not be completed",
        "in_progress": ":hourglass_flowing_sand: Confirmed, payment being confirmed",
    }.get(status, status)
    kept = [
        b
        for b in message_blocks
        if not str(b.get("block_id", "")).startswith(CARD_PREFIX) and b.get("block_id") != "pending_note"
    ]
    return kept + [
        {"type": "context", "block_id": "decided", "elements": [{"type": "mrkdwn", "text": f"{label} by <@{actor}>."}]}
    ]


def outcome_blocks(outcome: ActionResult) -> list[Block]:
    return sections(outcome.reply)
