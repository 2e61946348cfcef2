"""Which portal user a Slack user acts as. Nobody acts as anyone until linked.

Three ways to link: a verified e-mail from `users.info` in a trusted workspace, an operator's
`portal-agent slack link SLACK_USER_ID EMAIL`, or a one-time code issued to a signed-in web user
and sent to the bot as "link CODE".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from service.slack.tables import slack_link_codes, slack_user_links

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=10)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


class SlackLinks:
    """The slack_user_id -> portal e-mail table and its one-time codes."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def email_for(self, slack_user_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(slack_user_links.c.email)
                                .where(slack_user_links.c.slack_user_id == slack_user_id)).scalar()

    def link(self, slack_user_id: str, email: str, method: str, team_id: str | None = None) -> None:
        """Link (or re-link) a Slack user to a portal e-mail."""
        with self.engine.begin() as conn:
            self._link(conn, slack_user_id, email, method, team_id)

    def unlink(self, slack_user_id: str) -> bool:
        with self.engine.begin() as conn:
            return conn.execute(delete(slack_user_links)
                                .where(slack_user_links.c.slack_user_id == slack_user_id)).rowcount > 0

    def issue_code(self, email: str, ttl: dt.timedelta = CODE_TTL) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(insert(slack_link_codes).values(code_hash=_hash(code), email=email.strip().lower(),
                                                         created_at=now, expires_at=now + ttl))
        return code

    def redeem(self, code: str, slack_user_id: str, team_id: str | None = None) -> str | None:
        """Use a code once (atomically, so two workers cannot both use it); the linked e-mail, or None."""
        now, key = _now(), _hash(code)
        with self.engine.begin() as conn:
            used = conn.execute(update(slack_link_codes)
                                .where(slack_link_codes.c.code_hash == key, slack_link_codes.c.used_at.is_(None),
                                       slack_link_codes.c.expires_at > now)
                                .values(used_at=now, used_by=slack_user_id)).rowcount
            if used != 1:
                return None
            email = conn.execute(select(slack_link_codes.c.email)
                                 .where(slack_link_codes.c.code_hash == key)).scalar_one()
            self._link(conn, slack_user_id, email, "code", team_id)
        return email

    @staticmethod
    def _link(conn: Any, slack_user_id: str, email: str, method: str, team_id: str | None) -> None:
        conn.execute(delete(slack_user_links).where(slack_user_links.c.slack_user_id == slack_user_id))
        conn.execute(insert(slack_user_links).values(slack_user_id=slack_user_id, email=email.strip().lower(),
                                                     team_id=team_id, method=method, linked_at=_now()))


def verified_email(user: dict[str, Any], trusted_teams: frozenset[str]) -> str | None:
    """The e-mail of a `users.info` user object, only if Slack vouches for it in a trusted workspace.

    Guests (restricted), bots, deleted users and unconfirmed addresses never link automatically.
    """
    if not user or user.get("team_id") not in trusted_teams:
        return None
    if user.get("deleted") or user.get("is_bot") or user.get("is_restricted") or user.get("is_ultra_restricted"):
        return None
    if user.get("is_email_confirmed") is not True:
        return None
    email = (user.get("profile") or {}).get("email")
    return email.strip().lower() if email else None


def issue_link_code(email: str, engine: Engine | None = None) -> str:
    """A one-time, 10-minute code for the signed-in portal user `email` (the web widget shows it)."""
    if engine is None:
        from service.container import get_container

        engine = get_container().engine
    return SlackLinks(engine).issue_code(email)
