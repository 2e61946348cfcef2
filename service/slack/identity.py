"""Which portal user a Slack user acts as. Nobody acts as anyone until linked.

Three ways to link: a verified e-mail from `users.info` in a trusted workspace, an operator's
`portal-agent slack link SLACK_USER_ID EMAIL`, or a one-time code issued to a signed-in portal user
(`POST /v1/slack/link-code`, or `portal-agent slack link-code`) and sent to the bot as "link CODE"
in a direct message. A code pasted anywhere else is cancelled on sight (others may have read it),
and a Slack user who sends MAX_FAILURES wrong codes is locked out of redeeming for FAILURE_WINDOW.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping

from sqlalchemy import Connection, Engine, delete, insert, select, update

from bootstrap.slack_tables import slack_link_codes, slack_link_failures, slack_user_links

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
CODE_LENGTH = 6
CODE_TTL = dt.timedelta(minutes=10)
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(hours=1)


class LinkLocked(Exception):
    """Too many wrong codes from this Slack user lately; no code is tried until the window ends."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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
            return conn.execute(
                select(slack_user_links.c.email).where(slack_user_links.c.slack_user_id == slack_user_id)
            ).scalar()

    def link(self, slack_user_id: str, email: str, method: str, team_id: str | None = None) -> None:
        """Link (or re-link) a Slack user to a portal e-mail."""
        with self.engine.begin() as conn:
            self._link(conn, slack_user_id, email, method, team_id)

    def unlink(self, slack_user_id: str) -> bool:
        with self.engine.begin() as conn:
            return (
                conn.execute(delete(slack_user_links).where(slack_user_links.c.slack_user_id == slack_user_id)).rowcount
                > 0
            )

    def issue_code(self, email: str, ttl: dt.timedelta = CODE_TTL) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = _now()
        with self.engine.begin() as conn:
            conn.execute(
                insert(slack_link_codes).values(
                    code_hash=_hash(code), email=email.strip().lower(), created_at=now, expires_at=now + ttl
                )
            )
        return code

    def redeem(self, code: str, slack_user_id: str, team_id: str | None = None) -> str | None:
        """Use a code once (atomically, so two workers cannot both use it); the linked e-mail, or None.

        Raises `LinkLocked` once the user has sent MAX_FAILURES wrong codes within FAILURE_WINDOW."""
        now, key = _now(), _hash(code)
        with self.engine.begin() as conn:
            self._check_not_locked(conn, slack_user_id, now)
            used = conn.execute(
                update(slack_link_codes)
                .where(
                    slack_link_codes.c.code_hash == key,
                    slack_link_codes.c.used_at.is_(None),
                    slack_link_codes.c.expires_at > now,
                )
                .values(used_at=now, used_by=slack_user_id)
            ).rowcount
            if used != 1:
                self._count_failure(conn, slack_user_id, now)
                return None
            email: str = conn.execute(
                select(slack_link_codes.c.email).where(slack_link_codes.c.code_hash == key)
            ).scalar_one()
            self._link(conn, slack_user_id, email, "code", team_id)
            conn.execute(delete(slack_link_failures).where(slack_link_failures.c.slack_user_id == slack_user_id))
        return email

    def cancel(self, code: str, where: str) -> bool:
        """Void an unused code that was shown where others can read it (a channel); True if one was voided."""
        now = _now()
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(slack_link_codes)
                    .where(slack_link_codes.c.code_hash == _hash(code), slack_link_codes.c.used_at.is_(None))
                    .values(used_at=now, used_by=f"void:{where}"[:32])
                ).rowcount
                == 1
            )

    @staticmethod
    def _window(conn: Connection, slack_user_id: str, now: dt.datetime) -> tuple[int, dt.datetime]:
        """(wrong codes, window start) of the user's current window; (0, now) when none is open."""
        row = conn.execute(
            select(slack_link_failures.c.failures, slack_link_failures.c.window_start).where(
                slack_link_failures.c.slack_user_id == slack_user_id
            )
        ).first()
        if row is None or now - row.window_start > FAILURE_WINDOW:
            return 0, now
        return int(row.failures), row.window_start

    def _check_not_locked(self, conn: Connection, slack_user_id: str, now: dt.datetime) -> None:
        if self._window(conn, slack_user_id, now)[0] >= MAX_FAILURES:
            raise LinkLocked(slack_user_id)

    def _count_failure(self, conn: Connection, slack_user_id: str, now: dt.datetime) -> None:
        failures, start = self._window(conn, slack_user_id, now)
        conn.execute(delete(slack_link_failures).where(slack_link_failures.c.slack_user_id == slack_user_id))
        conn.execute(
            insert(slack_link_failures).values(slack_user_id=slack_user_id, failures=failures + 1, window_start=start)
        )

    @staticmethod
    def _link(conn: Connection, slack_user_id: str, email: str, method: str, team_id: str | None) -> None:
        conn.execute(delete(slack_user_links).where(slack_user_links.c.slack_user_id == slack_user_id))
        conn.execute(
            insert(slack_user_links).values(
                slack_user_id=slack_user_id,
                email=email.strip().lower(),
                team_id=team_id,
                method=method,
                linked_at=_now(),
            )
        )


def verified_email(user: Mapping[str, object], trusted_teams: frozenset[str]) -> str | None:
    """The e-mail of a `users.info` user object, only if Slack vouches for it in a trusted workspace.

    Guests (restricted), bots, deleted users and unconfirmed addresses never link automatically.
    """
    if not user or user.get("team_id") not in trusted_teams:
        return None
    if user.get("deleted") or user.get("is_bot") or user.get("is_restricted") or user.get("is_ultra_restricted"):
        return None
    if user.get("is_email_confirmed") is not True:
        return None
    profile = user.get("profile")
    email = profile.get("email") if isinstance(profile, Mapping) else None
    return email.strip().lower() if isinstance(email, str) and email else None


def issue_link_code(email: str, engine: Engine | None = None) -> str:
    """A one-time, 10-minute code for the signed-in portal user `email` (the web widget shows it)."""
    if engine is None:
        from bootstrap.container import get_container

        engine = get_container().engine
    return SlackLinks(engine).issue_code(email)
