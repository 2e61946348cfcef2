"""What the browser tests share: Debian's Chromium and how Playwright starts it here, and where screenshots go."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def need_chromium() -> None:
    """Skip, saying why, where Debian's Chromium is not installed (Playwright cannot download one here)."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install -y chromium)"
        print(f"SKIP browser test: {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (the test is skipped, saying why, where it is not installed), closed
    afterwards. Each wait ends as soon as the page is right; 5 s (Playwright's default) is too short a ceiling
    for a turn on a loaded CI machine, so the ceiling is 30 s."""
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def watched_page(browser: Any, **options: Any) -> tuple[Any, list[str]]:
    """A new page, and the list its uncaught script errors are added to (a test ends asserting it is empty)."""
    page = browser.new_page(**options)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page, errors


def sign_in(page: Any, name: str) -> Any:
    """Pick `name` on the demo page and wait until the widget holds their token; return the message box.
    The panel opens before the token arrives (the page asks /dev/token), so typing sooner is a message from
    nobody ("Sign in first"), and the token's arrival then clears the log."""
    import re

    from playwright.sync_api import expect

    page.get_by_role("button", name=re.compile(name)).click()
    expect(page.locator("#picker-status")).to_have_text(re.compile(f"^Chatting as {name} "))
    return page.get_by_label("Your message")


def offline_planner(world: Any, knowledge: Any = None) -> None:
    """The served world's runner answered by the offline planner, as `make run` has it (the scripted router
    knows payments only), over `knowledge` (the real articles' index) or the world's fake one."""
    from agent.planner import OfflinePlanner
    from agent.runner import Runner
    from agent.store import ConversationStore

    c = world.container
    c._runner = Runner(
        c.billing, ConversationStore(c.engine), c.links, model=OfflinePlanner(), knowledge=knowledge or world.knowledge
    )
