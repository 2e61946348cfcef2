"""A Chroma server as the knowledge store (``PORTAL_CHROMA_URL``): its address, a heartbeat, time-outs.

chromadb's HTTP client sends every request without a time-out (``httpx.Client(timeout=None)``), so a
hung server would hold a chat turn, or a readiness probe, for ever. Here the server is first asked for
its heartbeat with a time-out (a clear error naming the URL when nothing answers), then the client is
made and its requests get the same time-out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:  # pragma: no cover
    from chromadb.api import ClientAPI
    from chromadb.config import Settings

DEFAULT_PORT = 8000  # what `chroma run` listens on when given no --port
DEFAULT_TIMEOUT = 10.0  # seconds per request; a query on the help articles takes milliseconds
HEARTBEAT_PATH = "/api/v2/heartbeat"


class ChromaUnavailable(RuntimeError):
    """No Chroma server answers at the configured URL (down, hung, or something else listens there)."""


def server_base(url: str) -> str:
    """``scheme://host:port[/prefix]`` of a Chroma server URL; the port defaults to Chroma's own 8000.

    A path is kept as a prefix (a server behind a reverse proxy at ``https://host/chroma``).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"a Chroma server URL looks like http://host:port or https://host/prefix (got {url!r})")
    port = parts.port or (443 if parts.scheme == "https" else DEFAULT_PORT)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname  # an IPv6 literal
    return f"{parts.scheme}://{host}:{port}{parts.path.rstrip('/')}"


def heartbeat(base: str, timeout: float = DEFAULT_TIMEOUT) -> int:
    """The server's clock in nanoseconds; raises :class:`ChromaUnavailable` when it does not answer in time."""
    import httpx

    try:
        response = httpx.get(base + HEARTBEAT_PATH, timeout=timeout)
        response.raise_for_status()
        return int(response.json()["nanosecond heartbeat"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise ChromaUnavailable(f"no Chroma server answers at {base} ({type(exc).__name__}: {exc})") from exc


def http_client(url: str, settings: Settings, timeout: float = DEFAULT_TIMEOUT) -> ClientAPI:
    """A ``chromadb.HttpClient`` for ``url`` whose every request gives up after ``timeout`` seconds."""
    import chromadb

    base = server_base(url)
    heartbeat(base, timeout)  # chromadb's own first requests (tenant, database) have no time-out yet
    # Given a whole URL as the host, chromadb keeps its port and path and ignores the port argument.
    client = chromadb.HttpClient(host=base, settings=settings)
    _limit_requests(client, timeout)
    return client


def _limit_requests(client: ClientAPI, timeout: float) -> None:
    import httpx

    # chromadb offers no setting for it (1.5): the time-out goes on the httpx session its HTTP API keeps.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if not isinstance(session, httpx.Client):
        # Failing here beats a first hung request in production after a chromadb upgrade.
        raise RuntimeError("chromadb's HTTP client has changed: cannot give its requests a time-out")
    session.timeout = httpx.Timeout(timeout)
