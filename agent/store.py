"""Conversations and their messages (masked), plus a per-conversation lock that works across workers."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict
from sqlalchemy import ColumnElement, Connection, Engine, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from agent.errors import ConversationBusy
from agent.masking import mask, mask_data
from agent.store_tables import conversations, messages, turns
from agent.turn_record import TurnRecord
from billing.errors import NotFound

log = logging.getLogger("portal_agent.store")
# A turn's lock is a lease renewed every third of this while the turn runs. A process killed mid-turn
# stops renewing, so its conversation is free again this soon after the crash (not after the longest
# possible turn).
LOCK_LEASE_SECONDS = 15.0
# Parsed messages kept per process, at most this many in all (least recently used conversations go first).
PARSED_MESSAGES_KEPT = 4096


class TranscriptLine(TypedDict):
    """One message as people see it: user or assistant text."""

    seq: int
    role: str  # user | assistant
    content: str
    created_at: str
    rating: NotRequired[str]  # the reader's own rating of an assistant reply, when they gave one


@dataclass
class Held:
    """A conversation's lock while a turn holds it (what `ConversationStore.locked` yields). The turn's last
    write may give it back in its own transaction (`append(..., release=held)`) instead of one more."""

    conversation_id: str
    owner: str
    released: bool = False


@dataclass(frozen=True)
class Conversation:
    id: str
    user_email: str
    channel: str
    external_ref: str | None
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def transaction(engine: Engine, *, write: bool) -> Iterator[Connection]:
    """One transaction; on SQLite a writer takes the write lock up front (`BEGIN IMMEDIATE`, see
    billing/adapters/sql_uow.py) so concurrent turns queue on busy_timeout instead of failing with
    "database is locked" when a read-then-write transaction cannot upgrade. The flag lives on the
    pooled connection, so it is set on every checkout (a reader must not inherit a writer's flag)."""
    with engine.connect() as conn:
        conn.info["write"] = write
        with conn.begin():
            yield conn


def unlocked(now: dt.datetime) -> ColumnElement[bool]:
    """No turn holds the conversation at `now`: never locked, released, or its lease ran out (a crashed turn)."""
    return or_(conversations.c.locked_until.is_(None), conversations.c.locked_until < now)


# The statements of every turn, built once: building a statement (and its cache key) cost more CPU than
# SQLAlchemy's compiled-statement cache saved, about a tenth of a read turn's database time (BENCHMARKS.md).
# Bound values are named `b_*` so they never clash with the columns an UPDATE sets.
_ACQUIRE = (
    update(conversations)
    .where(
        conversations.c.id == bindparam("b_id"),
        or_(conversations.c.locked_until.is_(None), conversations.c.locked_until < bindparam("b_now")),
    )
    .values(lock_owner=bindparam("b_owner"), locked_until=bindparam("b_until"))
)
_ACQUIRE_OWN = _ACQUIRE.where(conversations.c.user_email == bindparam("b_email"))
_HELD = (conversations.c.id == bindparam("b_id")) & (conversations.c.lock_owner == bindparam("b_owner"))
_RELEASE = update(conversations).where(_HELD).values(lock_owner=None, locked_until=None)
_RENEW = update(conversations).where(_HELD).values(locked_until=bindparam("b_until"))
_LAST_SEQ = select(func.coalesce(func.max(messages.c.seq), 0)).where(messages.c.conversation_id == bindparam("b_id"))
_TOUCH = update(conversations).where(conversations.c.id == bindparam("b_id")).values(updated_at=bindparam("b_now"))
_MINE = conversations.c.lock_owner == bindparam("b_owner")
_TOUCH_AND_RELEASE = _TOUCH.values(
    lock_owner=case((_MINE, None), else_=conversations.c.lock_owner),
    locked_until=case((_MINE, None), else_=conversations.c.locked_until),
)
_SINCE = (
    select(messages.c.seq, messages.c.data)
    .where(messages.c.conversation_id == bindparam("b_id"), messages.c.seq > bindparam("b_after"))
    .order_by(messages.c.seq)
)

_SHOWN_ROLES = {"human": "user", "ai": "assistant"}  # stored role -> the transcript's; tool messages are not shown


def _shown(role: str, content: str) -> bool:
    """Whether a stored message is a line of the transcript people see (and, from the assistant, may rate)."""
    return role in _SHOWN_ROLES and bool(content)


def _masked(message: BaseMessage) -> BaseMessage:
    """Content and tool-call arguments masked: a model's arguments are stored (and re-sent) too."""
    if isinstance(message.content, str):
        message = message.model_copy(update={"content": mask(message.content)})
    calls = getattr(message, "tool_calls", None)
    if calls:
        message = message.model_copy(
            update={"tool_calls": [{**c, "args": mask_data(c.get("args") or {})} for c in calls]}
        )
    return message


class ConversationStore:
    """Conversation persistence on the shared database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._leases = _Leases(self._renew)
        self._parsed = _ParsedHistories(PARSED_MESSAGES_KEPT)

    def _tx(self, *, write: bool) -> AbstractContextManager[Connection]:
        """A transaction on the store's engine (see `transaction`)."""
        return transaction(self.engine, write=write)

    def create(self, user_email: str, channel: str, external_ref: str | None = None) -> Conversation:
        now = _now()
        conv = Conversation("conv_" + uuid.uuid4().hex[:24], user_email, channel, external_ref, now)
        with self._tx(write=True) as conn:
            conn.execute(
                insert(conversations).values(
                    id=conv.id,
                    user_email=user_email,
                    channel=channel,
                    external_ref=external_ref,
                    created_at=now,
                    updated_at=now,
                )
            )
        return conv

    def get(self, conversation_id: str, user_email: str) -> Conversation | None:
        """The conversation if it belongs to this user; someone else's is treated as unknown."""
        with self._tx(write=False) as conn:
            row = conn.execute(select(conversations).where(conversations.c.id == conversation_id)).mappings().first()
        if row is None or row["user_email"] != user_email:
            return None
        return Conversation(row["id"], row["user_email"], row["channel"], row["external_ref"], row["created_at"])

    def find_or_create(self, user_email: str, channel: str, external_ref: str) -> Conversation:
        """The conversation of a channel reference (a Slack thread), started if there is none yet; when two
        workers start it at once, the one that lost the race reads the winner's."""
        found = self.find_by_ref(external_ref)
        if found is not None:
            return found
        try:
            return self.create(user_email, channel, external_ref)
        except IntegrityError:
            found = self.find_by_ref(external_ref)
            if found is None:
                raise
            return found

    def find_by_ref(self, external_ref: str) -> Conversation | None:
        with self._tx(write=False) as conn:
            row = conn.execute(
                select(conversations.c.id, conversations.c.user_email).where(
                    conversations.c.external_ref == external_ref
                )
            ).first()
        return None if row is None else self.get(row.id, row.user_email)

    def append(
        self,
        conversation_id: str,
        new: list[BaseMessage],
        record: TurnRecord | None = None,
        *,
        release: Held | None = None,
    ) -> int:
        """Store the messages (masked) after the conversation's last; with `record`, the turn they make (in the
        same transaction). Returns the `seq` of the last message stored (the reply a user may rate).

        With `release` (the turn's last write), the lock is given back in the same transaction."""
        if not new:
            return 0
        if release is not None and release.conversation_id != conversation_id:
            # A programming error, but one that would release another conversation's lock: never skipped (-O).
            raise ValueError(f"lock of {release.conversation_id} given to release with {conversation_id}")
        now = _now()
        with self._tx(write=True) as conn:
            seq: int = conn.execute(_LAST_SEQ, {"b_id": conversation_id}).scalar_one()
            rows = [
                {
                    "conversation_id": conversation_id,
                    "seq": seq + i + 1,
                    "role": m.type,
                    "content": m.content if isinstance(m.content, str) else str(m.content),
                    "data": messages_to_dict([m])[0],
                    "created_at": now,
                }
                for i, m in enumerate(_masked(m) for m in new)
            ]
            conn.execute(insert(messages), rows)
            last = seq + len(rows)
            if record is not None:
                conn.execute(insert(turns), record.row(conversation_id, last, now))
            if release is None:
                conn.execute(_TOUCH, {"b_id": conversation_id, "b_now": now})
            else:
                conn.execute(_TOUCH_AND_RELEASE, {"b_id": conversation_id, "b_now": now, "b_owner": release.owner})
        if release is not None:
            release.released = True
            self._leases.drop(conversation_id, release.owner)
        return last

    def history(self, conversation_id: str) -> list[BaseMessage]:
        """The conversation's messages, oldest first. Only those stored since this process last read it are
        fetched and parsed: stored messages never change (appended with the next `seq`, deleted only with
        their conversation), and rebuilding LangChain messages from JSON was 5 % of a read turn's CPU."""
        last, known = self._parsed.get(conversation_id)
        with self._tx(write=False) as conn:
            rows = conn.execute(_SINCE, {"b_id": conversation_id, "b_after": last}).all()
        if not rows:
            return list(known)
        parsed = known + tuple(messages_from_dict([row.data for row in rows]))
        self._parsed.put(conversation_id, rows[-1].seq, parsed)
        return list(parsed)

    def transcript(self, conversation_id: str) -> list[TranscriptLine]:
        """Messages as people see them: user and assistant text, with tool activity by name."""
        with self._tx(write=False) as conn:
            rows = (
                conn.execute(
                    select(messages).where(messages.c.conversation_id == conversation_id).order_by(messages.c.seq)
                )
                .mappings()
                .all()
            )
        return [
            TranscriptLine(
                seq=r["seq"], role=_SHOWN_ROLES[r["role"]], content=r["content"], created_at=r["created_at"].isoformat()
            )
            for r in rows
            if _shown(r["role"], r["content"])
        ]

    def is_assistant_message(self, conversation_id: str, seq: int) -> bool:
        """Whether message `seq` of the conversation is an assistant line of its transcript (what a user
        may rate): not the user's own words, and not a tool call or result people never see."""
        with self._tx(write=False) as conn:
            row = conn.execute(
                select(messages.c.role, messages.c.content).where(
                    messages.c.conversation_id == conversation_id, messages.c.seq == seq
                )
            ).first()
        return row is not None and _shown(row.role, row.content) and _SHOWN_ROLES[row.role] == "assistant"

    @contextmanager
    def locked(
        self,
        conversation_id: str,
        *,
        user_email: str | None = None,
        lease: float = LOCK_LEASE_SECONDS,
        wait: float = 90.0,
    ) -> Iterator[Held]:
        """Serialise turns of one conversation across threads and processes (a renewed lease row lock).

        With `user_email`, only that user's conversation is locked, in the same statement (one
        transaction less per turn than looking it up first); anyone else's, or none, is `NotFound`."""
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + wait
        checked = False
        while not self._acquire(conversation_id, owner, lease, user_email):
            if user_email is not None and not checked:  # someone else's turn holds it, or it is not theirs
                if self.get(conversation_id, user_email) is None:
                    raise NotFound("conversation", conversation_id)
                checked = True
            if time.monotonic() > deadline:
                raise ConversationBusy(conversation_id)
            time.sleep(0.02)
        self._leases.hold(conversation_id, owner, lease)
        held = Held(conversation_id, owner)
        try:
            yield held
        finally:
            if not held.released:  # else the turn's last append gave it back
                self._leases.drop(conversation_id, owner)
                with self._tx(write=True) as conn:
                    conn.execute(_RELEASE, {"b_id": conversation_id, "b_owner": owner})

    def _renew(self, held: list[tuple[str, str, float]]) -> None:
        """Extend the leases this process holds (one transaction for all of them)."""
        try:
            with self._tx(write=True) as conn:
                for conversation_id, owner, lease in held:
                    until = _now() + dt.timedelta(seconds=lease)
                    conn.execute(_RENEW, {"b_id": conversation_id, "b_owner": owner, "b_until": until})
        except Exception:  # noqa: BLE001 - a missed renewal only lets the leases run out sooner
            log.warning("could not renew the locks of %d conversations", len(held), exc_info=True)

    def _acquire(self, conversation_id: str, owner: str, lease: float, user_email: str | None = None) -> bool:
        now = _now()
        values = {"b_id": conversation_id, "b_now": now, "b_owner": owner, "b_until": now + dt.timedelta(seconds=lease)}
        with self._tx(write=True) as conn:
            if user_email is None:
                result = conn.execute(_ACQUIRE, values)
            else:
                result = conn.execute(_ACQUIRE_OWN, {**values, "b_email": user_email})
        return result.rowcount == 1


class _Leases:
    """The conversation locks this process holds, renewed together by one thread.

    A thread per turn cost a start and a join on every turn (BENCHMARKS.md, issue 16); one renewer
    wakes every third of the shortest lease held and extends them all. It starts with the first lease
    and sleeps while none is held."""

    def __init__(self, renew: Callable[[list[tuple[str, str, float]]], None]) -> None:
        self._renew = renew
        self._held: dict[tuple[str, str], float] = {}  # (conversation, owner) -> lease seconds
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def hold(self, conversation_id: str, owner: str, lease: float) -> None:
        with self._changed:
            sooner = not self._held or lease < min(self._held.values())
            self._held[(conversation_id, owner)] = lease
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="conversation-leases")
                self._thread.start()
            if sooner:  # the renewer sleeps until the next renewal: it must wake sooner for a shorter lease
                self._changed.notify()

    def drop(self, conversation_id: str, owner: str) -> None:
        with self._changed:
            self._held.pop((conversation_id, owner), None)

    def _run(self) -> None:
        last = time.monotonic()
        while True:
            with self._changed:
                while not self._held:
                    self._changed.wait()
                    last = time.monotonic()  # the first lease after a pause was just taken
                wait = last + min(self._held.values()) / 3 - time.monotonic()
                if wait > 0:
                    self._changed.wait(wait)
                    continue  # woken early (a shorter lease) or on time: look again
                held = [(c, o, lease) for (c, o), lease in self._held.items()]
            self._renew(held)
            last = time.monotonic()


class _ParsedHistories:
    """Conversations' parsed messages (each entry the `seq` of its last message and the messages up to it),
    least recently used dropped first once more than `limit` messages are kept.

    An entry is replaced whole, never changed, so a reader always sees a prefix that matches its `seq`;
    callers get a new list (the message objects are shared, and nothing changes a stored message)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._entries: OrderedDict[str, tuple[int, tuple[BaseMessage, ...]]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, conversation_id: str) -> tuple[int, tuple[BaseMessage, ...]]:
        with self._lock:
            entry = self._entries.get(conversation_id)
            if entry is None:
                return 0, ()
            self._entries.move_to_end(conversation_id)
            return entry

    def put(self, conversation_id: str, last: int, parsed: tuple[BaseMessage, ...]) -> None:
        with self._lock:
            old = self._entries.pop(conversation_id, None)
            if old is not None:
                self._size -= len(old[1])
                if old[0] > last:  # a later read of the same conversation got here first: keep the longer one
                    parsed, last = old[1], old[0]
            self._entries[conversation_id] = (last, parsed)
            self._size += len(parsed)
            while self._size > self._limit and len(self._entries) > 1:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= len(dropped)
