"""The Slack support bot: Events API + interactivity on the same turn runner as every channel.

Kept import-light (the migrations import `bootstrap.slack_tables`); Bolt loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI
    from slack_sdk.web.async_client import AsyncWebClient
    from sqlalchemy import Engine

    from bootstrap.container import Container


def mount_slack(app: FastAPI, container: Container, *, client: AsyncWebClient | None = None) -> None:
    """Add `POST /slack/events` to a FastAPI app when Slack is configured (see `service.slack.mount`)."""
    from service.slack.mount import mount_slack as mount

    mount(app, container, client=client)


def issue_link_code(email: str, engine: Engine | None = None) -> str:
    """A one-time code a signed-in web user sends the bot ("link CODE") to link their Slack account."""
    from service.slack.identity import issue_link_code as issue

    return issue(email, engine)


__all__ = ["issue_link_code", "mount_slack"]
