"""Conversations and their messages (masked), plus a per-conversation lock that works across workers."""
from __future__ import annotations

import datetime as dt
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import Engine, func, insert, or_, select, update

from agent.masking import mask
from agent.store_tables import conversations, messages


class ConversationBusy(Exception):
    """Another turn of the same conversation held the lock for too long."""


@dataclass(frozen=True)
class Conversation:
    id: str
    user_email: str
    channel: str
    external_ref: str | None
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _masked(message: BaseMessage) -> BaseMessage:
    if isinstance(message.content, str):
        message = message.model_copy(update={"content": mask(message.content)})
    return message


class ConversationStore:
    """Conversation persistence on the shared database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, user_email: str, channel: str, external_ref: str | None = None) -> Conversation:
        now = _now()
        conv = Conversation("conv_" + uuid.uuid4().hex[:24], user_email, channel, external_ref, now)
        with self.engine.begin() as conn:
            conn.execute(insert(conversations).values(id=conv.id, user_email=user_email, channel=channel,
                                                      external_ref=external_ref, created_at=now, updated_at=now))
        return conv

    def get(self, conversation_id: str, user_email: str) -> Conversation | None:
        """The conversation if it belongs to this user; someone else's is treated as unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).mappings().first()
        if row is None or row["user_email"] != user_email:
            return None
        return Conversation(row["id"], row["user_email"], row["channel"], row["external_ref"], row["created_at"])

    def find_by_ref(self, external_ref: str) -> Conversation | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(conversations.c.id, conversations.c.user_email)
                               .where(conversations.c.external_ref == external_ref)).first()
        return None if row is None else self.get(row.id, row.user_email)

    def append(self, conversation_id: str, new: list[BaseMessage]) -> None:
        if not new:
            return
        now = _now()
        with self.engine.begin() as conn:
            seq = conn.execute(select(func.coalesce(func.max(messages.c.seq), 0))
                               .where(messages.c.conversation_id == conversation_id)).scalar_one()
            rows = [{"conversation_id": conversation_id, "seq": seq + i + 1, "role": m.type,
                     "content": m.content if isinstance(m.content, str) else str(m.content),
                     "data": messages_to_dict([m])[0], "created_at": now}
                    for i, m in enumerate(_masked(m) for m in new)]
            conn.execute(insert(messages), rows)
            conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(updated_at=now))

    def history(self, conversation_id: str) -> list[BaseMessage]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(messages.c.data).where(messages.c.conversation_id == conversation_id)
                                .order_by(messages.c.seq)).scalars().all()
        return messages_from_dict(list(rows))

    def transcript(self, conversation_id: str) -> list[dict[str, Any]]:
        """Messages as people see them: user and assistant text, with tool activity by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(messages).where(messages.c.conversation_id == conversation_id)
                                .order_by(messages.c.seq)).mappings().all()
        roles = {"human": "user", "ai": "assistant"}
        return [{"seq": r["seq"], "role": roles[r["role"]], "content": r["content"],
                 "created_at": r["created_at"].isoformat()} for r in rows if r["role"] in roles and r["content"]]

    @contextmanager
    def locked(self, conversation_id: str, *, lease: float = 120.0, wait: float = 90.0) -> Iterator[None]:
        """Serialise turns of one conversation across threads and processes (a lease row lock)."""
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        while not self._acquire(conversation_id, owner, lease):
            if time.monotonic() > deadline:
                raise ConversationBusy(conversation_id)
            time.sleep(0.02)
        try:
            yield
        finally:
            with self.engine.begin() as conn:
                conn.execute(update(conversations).where(conversations.c.id == conversation_id,
                                                         conversations.c.lock_owner == owner)
                             .values(lock_owner=None, locked_until=None))

    def _acquire(self, conversation_id: str, owner: str, lease: float) -> bool:
        now = _now()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id,
                       or_(conversations.c.locked_until.is_(None), conversations.c.locked_until < now))
                .values(lock_owner=owner, locked_until=now + dt.timedelta(seconds=lease)))
        return result.rowcount == 1
