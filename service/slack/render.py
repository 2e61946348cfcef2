"""Block Kit for the bot's messages: the reply, download links, citations and the action card.

Pure functions of the runner's results, so the exact blocks are easy to test.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

from agent.results import ActionResult, TurnResult

CONFIRM_ID = "portal_action_confirm"
CANCEL_ID = "portal_action_cancel"
CARD_PREFIX = "pending:"
SECTION_LIMIT = 2900  # Slack allows 3000 characters per section
PAYMENT_OPERATIONS = {"pay_invoice"}
Block = dict[str, Any]


def escape(text: str) -> str:
    """Slack mrkdwn control characters; everything else is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, base_url: str = "") -> str:
    """The model's Markdown in Slack's dialect: links (relative ones made absolute), bold and headings."""
    text = escape(text)
    pattern = r"\[([^\]]+)\]\((https?://[^)\s]+)\)" if not base_url else r"\[([^\]]+)\]\(((?:https?://|/)[^)\s]+)\)"
    text = re.sub(pattern, lambda m: f"<{absolute(base_url, m.group(2))}|{m.group(1)}>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"*\1*", text)
    return re.sub(r"(?m)^#{1,6}\s+(.+)$", r"*\1*", text)


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


def citation_url(base_url: str, citation: dict[str, Any]) -> str:
    """Knowledge sources ("knowledge/docs/invoices.md") as help pages, anchored at the cited heading."""
    name = citation["source"].rsplit("/", 1)[-1].removesuffix(".md")
    heading = citation.get("heading") or ""
    anchor = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    return absolute(base_url, f"/help/{name}" + (f"#{anchor}" if anchor else ""))


def sections(text: str, base_url: str = "") -> list[Block]:
    body = mrkdwn(text, base_url) or " "
    chunks = [body[i:i + SECTION_LIMIT] for i in range(0, len(body), SECTION_LIMIT)]
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks]


def turn_blocks(result: TurnResult, base_url: str, requester: str, thread_ts: str) -> list[Block]:
    """One message per turn: the reply, then downloads, sources and (if any) the confirmation card."""
    blocks = sections(result.reply, base_url)
    if result.links:
        lines = [f":page_facing_up: <{absolute(base_url, link['url'])}|{escape(link['title'])}>"
                 for link in result.links]
        blocks.append({"type": "section", "block_id": "downloads",
                       "text": {"type": "mrkdwn", "text": "\n".join(lines) + "\n_Links expire in a few minutes._"}})
    if result.citations:
        refs = [f"<{citation_url(base_url, c)}|{escape(c['title'])}>" for c in result.citations[:8]]
        blocks.append({"type": "context", "block_id": "sources",
                       "elements": [{"type": "mrkdwn", "text": "Sources: " + " · ".join(refs)}]})
    if result.pending_action:
        blocks += action_card(result.pending_action, result.conversation_id, requester, thread_ts)
    if result.handoff and result.handoff.get("case_id"):
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"Support case *{escape(str(result.handoff['case_id']))}* opened."}]})
    return blocks


def button_value(action_id: str, conversation_id: str, requester: str, thread_ts: str) -> str:
    return json.dumps({"a": action_id, "c": conversation_id, "u": requester, "t": thread_ts}, separators=(",", ":"))


def parse_button_value(value: str) -> dict[str, str]:
    data = json.loads(value)
    return {"action_id": data["a"], "conversation_id": data["c"], "requester": data["u"], "thread_ts": data["t"]}


def action_card(pending: dict[str, Any], conversation_id: str, requester: str, thread_ts: str) -> list[Block]:
    """The pending action with Confirm / Cancel; a payment also gets Slack's own confirm dialog."""
    value = button_value(pending["id"], conversation_id, requester, thread_ts)
    confirm: Block = {"type": "button", "action_id": CONFIRM_ID, "style": "primary", "value": value,
                      "text": {"type": "plain_text", "text": "Confirm"}}
    if pending["tool"] in PAYMENT_OPERATIONS:
        confirm["confirm"] = {"title": {"type": "plain_text", "text": "Confirm payment"},
                              "text": {"type": "plain_text", "text": (pending["summary"] + "?")[:300]},
                              "confirm": {"type": "plain_text", "text": "Pay now"},
                              "deny": {"type": "plain_text", "text": "Go back"}, "style": "primary"}
    cancel = {"type": "button", "action_id": CANCEL_ID, "value": value,
              "text": {"type": "plain_text", "text": "Cancel"}}
    expires = dt.datetime.fromisoformat(pending["expires_at"])
    fallback = expires.astimezone(dt.timezone.utc).strftime("%H:%M UTC")
    note = (f"Only <@{requester}> can decide. Expires <!date^{int(expires.timestamp())}^{{time}}|{fallback}>; "
            "you can also reply *yes* or *no* in this thread.")
    return [
        {"type": "section", "block_id": "pending_summary",
         "text": {"type": "mrkdwn", "text": f":warning: *Please confirm:* {escape(pending['summary'])}"}},
        {"type": "actions", "block_id": CARD_PREFIX + pending["id"], "elements": [confirm, cancel]},
        {"type": "context", "block_id": "pending_note", "elements": [{"type": "mrkdwn", "text": note}]},
    ]


def decided_card(message_blocks: list[Block], status: str, actor: str) -> list[Block]:
    """The original message with its buttons replaced by who decided what (buttons cannot be re-pressed)."""
    label = {"executed": ":white_check_mark: Confirmed", "rejected": ":no_entry_sign: Cancelled",
             "expired": ":hourglass: Expired", "failed": ":x: Could not be completed",
             "in_progress": ":hourglass_flowing_sand: Confirmed, payment being confirmed"}.get(status, status)
    kept = [b for b in message_blocks
            if not str(b.get("block_id", "")).startswith(CARD_PREFIX) and b.get("block_id") != "pending_note"]
    return kept + [{"type": "context", "block_id": "decided",
                    "elements": [{"type": "mrkdwn", "text": f"{label} by <@{actor}>."}]}]


def outcome_blocks(outcome: ActionResult) -> list[Block]:
    return sections(outcome.reply)
