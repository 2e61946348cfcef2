"""Readiness checks: the database answers, and the knowledge index can be opened and is not empty."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text

from bootstrap.container import Container

Check = Callable[[Container], str]


def database(container: Container) -> str:
    with container.engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()
    return "ok"


def knowledge_index(container: Container) -> str:
    """Opens the Chroma client (embedded or server) without loading the embedding model."""
    from knowledge.store import COLLECTION_PREFIX, open_client

    settings = container.settings
    url = settings.portal_chroma_url
    # A server is asked for its heartbeat first, and every request has a time-out: a hung server fails the
    # probe instead of holding it.
    client = open_client(None if url else str(settings.portal_data_dir), url, settings.portal_chroma_timeout)
    for collection in client.list_collections():
        name = getattr(collection, "name", collection)
        if str(name).startswith(COLLECTION_PREFIX) and client.get_collection(str(name)).count() > 0:
            return "ok"
    raise RuntimeError("the knowledge index is empty: run `portal-agent index build`")


CHECKS: dict[str, Check] = {"database": database, "knowledge_index": knowledge_index}


def run_checks(container: Container, checks: dict[str, Check] | None = None) -> dict[str, str]:
    results = {}
    for name, check in (checks or CHECKS).items():
        try:
            results[name] = check(container)
        except Exception as exc:  # readiness reports any failure, it never raises
            results[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
    return results
