"""The per-conversation lock is a renewed lease: a long turn keeps it, a crashed holder loses it soon."""

from __future__ import annotations

import threading
import time

import pytest

from agent.store import ConversationBusy


def test_a_turn_longer_than_the_lease_keeps_the_lock(world):
    conv = world.store.create("alice@acme.example", "web")
    holding, release = threading.Event(), threading.Event()

    def long_turn() -> None:
        # A lease of 1 s renewed every 1/3 s: only a stall of the renewing thread longer than 2/3 s
        # (not a slow machine's usual jitter) could let it run out.
        with world.store.locked(conv.id, lease=1.0):
            holding.set()
            release.wait(timeout=10)

    t = threading.Thread(target=long_turn)
    t.start()
    assert holding.wait(timeout=10)
    time.sleep(1.5)  # longer than the lease: only the renewals keep it
    with pytest.raises(ConversationBusy):
        with world.store.locked(conv.id, lease=1.0, wait=1.0):
            pass
    release.set()
    t.join(timeout=10)
    with world.store.locked(conv.id, lease=1.0, wait=5):
        pass


def test_a_holder_that_died_releases_the_conversation_after_the_lease(world):
    conv = world.store.create("alice@acme.example", "web")
    assert world.store._acquire(conv.id, "process-killed-mid-turn", 0.5)  # acquired, never renewed or released
    started = time.monotonic()
    with world.store.locked(conv.id, wait=5):
        waited = time.monotonic() - started
    # It could not have the lock before the dead holder's lease ran out; getting it at all (wait=5)
    # shows the lease does run out. No upper bound on a shared machine's clock.
    assert waited > 0.3, waited
