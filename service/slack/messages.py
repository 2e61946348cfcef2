"""What the bot says on its own (not the agent's words): instructions, refusals, link commands."""

from __future__ import annotations

import re

LINK_COMMAND = re.compile(r"^\s*link\s+([A-Za-z0-9-]{4,12})\s*$", re.IGNORECASE)
UNLINK_COMMAND = re.compile(r"^\s*unlink\s*$", re.IGNORECASE)


def unlinked(slack_user_id: str) -> str:
    return (
        "I can't help with billing questions here yet: your Slack account isn't linked to a Billing Portal user, "
        "so I can't tell who you are in the portal.\n"
        "To link it, either:\n"
        "• sign in to the Billing Portal and get a *Slack link code* (the portal's `POST /v1/slack/link-code`, "
        "or your administrator's `portal-agent slack link-code --as EMAIL`), then send me `link CODE` in a "
        "direct message (the code works once, for 10 minutes), or\n"
        f"• ask your portal administrator to link your Slack member ID `{slack_user_id}` to your portal e-mail.\n"
        "Nothing about any account is shown until then."
    )


HELLO = (
    "Hi! I'm the Billing Portal assistant. Ask me how the portal works, about your contracts and invoices, "
    "or to pay an invoice, update a PO number, billing details or users. Changes always wait for your "
    "confirmation."
)
LINK_IN_DM_ONLY = (
    "Link codes only work in a direct message to me. Others may have read that one, so I cancelled "
    "it: get a new code and send `link CODE` to me in a direct message."
)
LINK_LOCKED = (
    "Too many wrong link codes from your account, so linking is paused for an hour. Nothing was "
    "linked; get a fresh code and try again later."
)
LINK_FAILED = "That link code is not valid: it may be mistyped, already used or expired (codes last 10 minutes)."
NOT_YOUR_THREAD = (
    "This thread is someone else's conversation with me, so I can't continue it for you. "
    "Mention me in a new thread or send me a direct message."
)
BUSY = "I'm still working on your previous message in this thread; please wait for my answer and try again."
FAILED = "Sorry, something went wrong on my side and I couldn't answer. Nothing was changed; please try again."
NOT_FOUND = "I couldn't find that request any more, so nothing was done."


def linked(email: str) -> str:
    return f"Linked: you now act as *{email}* in the Billing Portal. Send `unlink` to undo it."


def unlinked_done(was_linked: bool) -> str:
    return "Unlinked: I no longer know you as a portal user." if was_linked else "You weren't linked."


def only_requester(requester: str) -> str:
    return f"Only <@{requester}>, who asked for it, can confirm or cancel this request."


def already_decided(status: str) -> str:
    word = {
        "executed": "done",
        "rejected": "cancelled",
        "expired": "expired",
        "failed": "tried and failed",
        "in_progress": "confirmed and its payment is being confirmed",
    }
    return f"That request was already {word.get(status, status)}; nothing more was done."
