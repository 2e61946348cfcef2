"""A service process answering help questions from wherever its settings point
(`python chroma_worker.py QUESTIONS_JSON`, a file holding {"search": [...], "ask": [...]};
PORTAL_DATA_DIR and PORTAL_CHROMA_URL from the environment).

It builds what a worker of the service builds (the container from settings, its runner and the runner's
knowledge search), seeds the demo world into its own SQLite file, and prints one JSON object: the
passages the search returns for each "search" question, and the reply and citations of a chat turn
for each "ask" question. The test calls `answers` in-process too, for the embedded baseline.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bootstrap.settings import Settings

ASKER = "alice@acme.example"


def answers(settings: Settings, search: list[str], ask: list[str]) -> dict[str, Any]:
    """{"passages": {question: passages (k=4)}, "turns": {question: {"reply", "citations"}}}."""
    from billing.demo import seed_demo
    from billing.principal import Principal
    from bootstrap.container import build_container

    container = build_container(settings)
    try:
        clock = container.billing.clock
        seed_demo(container.billing.uow_factory, clock.today(), clock.now())
        runner, alice = container.runner, Principal(ASKER, "web")
        assert runner.knowledge is not None  # the container always gives the runner its knowledge search
        passages = {
            question: [
                {"source": p.source, "heading": p.heading, "text": p.text, "score": float(p.score)}
                for p in runner.knowledge.search(question, k=4)
            ]
            for question in search
        }
        turns = {}
        for question in ask:
            turn = runner.run_turn(alice, runner.start_conversation(alice).id, question)
            citations = [{"source": c["source"], "heading": c["heading"], "score": c["score"]} for c in turn.citations]
            turns[question] = {"reply": turn.reply, "citations": citations}
        return {"passages": passages, "turns": turns}
    finally:
        container.engine.dispose()


def main(questions_file: str) -> None:
    # The tests' network guard, here too: this process may talk to 127.0.0.1 only (the Chroma server).
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import conftest

    from bootstrap.settings import get_settings

    settings = get_settings()
    questions = json.loads(Path(questions_file).read_text())
    result = {
        "chroma_url": settings.portal_chroma_url,
        "answers": answers(settings, questions["search"], questions["ask"]),
        "network_violations": conftest.NETWORK_VIOLATIONS,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
