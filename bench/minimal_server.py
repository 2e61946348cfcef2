"""The minimal loop of bench_turns as a server process (the throughput benchmark's practical limit).

    .venv/bin/python -m bench.minimal_server --port 8001 [--workers 1]

Settings come from the environment (PORTAL_*, OPENAI_BASE_URL = the mock), as for `portal-agent serve`.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from starlette.applications import Starlette


def create_minimal_app() -> Starlette:
    from bench.bench_turns import minimal_app
    from bootstrap.container import build_container
    from bootstrap.settings import get_settings
    from knowledge.retriever import Retriever

    settings = get_settings()
    container = build_container(settings, migrate=False)
    return minimal_app(container.billing, Retriever(settings.portal_data_dir), str(settings.openai_base_url))


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.minimal_server:create_minimal_app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
