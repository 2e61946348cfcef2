"""The Slack support bot: Events API + interactivity on the same turn runner as every channel.

Kept import-light (the migrations import `bootstrap.slack_tables`); Bolt loads on first use.
"""

from __future__ import annotations

from typing import Any


def mount_slack(app: Any, container: Any, **options: Any) -> None:
    """Add `POST /slack/events` to a FastAPI app when Slack is configured (see `service.slack.mount`)."""
    from service.slack.mount import mount_slack as mount

    mount(app, container, **options)


def issue_link_code(email: str, engine: Any = None) -> str:
    """A one-time code a signed-in web user sends the bot ("link CODE") to link their Slack account."""
    from service.slack.identity import issue_link_code as issue

    return issue(email, engine)


__all__ = ["issue_link_code", "mount_slack"]
