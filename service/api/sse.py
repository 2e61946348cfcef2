"""Server-sent events from the runner's synchronous event generator, without blocking the event loop.

The whole generator runs in one worker thread (LangChain sets and resets context variables inside
it, so it must not hop between threads) and hands events to the loop through a queue. If the
client goes away the turn still finishes and is stored; only the remaining events are dropped.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Literal

from agent.events import TurnEvent

log = logging.getLogger("portal_agent.sse")

Item = tuple[Literal["event"], TurnEvent] | tuple[Literal["error"], Exception] | tuple[Literal["end"], None]


class ThreadedEvents:
    """A turn's events, produced in one worker thread and read from the event loop."""

    def __init__(self, factory: Callable[[], Iterator[TurnEvent]]) -> None:
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        context = contextvars.copy_context()  # keeps the request id in the worker's log lines
        self.future = self._loop.run_in_executor(None, context.run, self._work, factory)

    def _put(self, item: Item) -> None:
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:  # the loop is gone (shutdown): nobody is listening any more
            pass

    def _work(self, factory: Callable[[], Iterator[TurnEvent]]) -> None:
        try:
            for event in factory():
                self._put(("event", event))
        except Exception as exc:  # delivered to the request, which maps it to an HTTP error or an SSE error
            self._put(("error", exc))
        else:
            self._put(("end", None))

    async def next(self) -> Item:
        return await self._queue.get()


def sse(event: str, data: object) -> bytes:
    """One SSE frame; `data` is JSON on a single line."""
    return f"event: {event}\ndata: {json.dumps(data, default=str, ensure_ascii=False)}\n\n".encode()


async def frames(
    first: Item,
    events: ThreadedEvents,
    on_event: Callable[[TurnEvent], list[tuple[str, object]]],
    on_error: Callable[[Exception], object],
) -> AsyncIterator[bytes]:
    item = first
    while True:
        if item[0] == "end":
            return
        if item[0] == "error":
            yield sse("error", on_error(item[1]))
            return
        for name, data in on_event(item[1]):
            yield sse(name, data)
        item = await events.next()
