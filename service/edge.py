"""The outermost checks every request passes, whatever route it is for (pure ASGI, streaming-safe).

- Development mode answers this machine only: its secret is published and it offers demo sign-in, so
  a request from any other address gets 403, however the app was started (`portal-agent serve`,
  `uvicorn --factory`, a container).
- Request headers larger than `max_header_bytes` get 431 (uvicorn caps the raw bytes too, see
  service/cli_serve.py; this covers servers started another way).
- Every response gets `X-Content-Type-Options: nosniff`; HTML pages also get a strict
  Content-Security-Policy (unless the route set its own), no framing and no referrer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_body
from service.net import is_loopback_host

# Pages without inline scripts: styles may be inline (the pages' own <style>), nothing else loads.
DEFAULT_PAGE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)
ALWAYS = [(b"x-content-type-options", b"nosniff")]
PAGE = [(b"x-frame-options", b"DENY"), (b"referrer-policy", b"no-referrer")]


def csp_for(page: str) -> str:
    """A policy for a page of ours with scripts: its own inline scripts (by hash) and same-origin files."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
        for body in INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}".rstrip() + "; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class EdgeMiddleware:
    """Development-mode loopback guard, header size limit and security headers."""

    def __init__(self, app: ASGIApp, *, development: bool, max_header_bytes: int) -> None:
        self.app, self.development, self.max_header_bytes = app, development, max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.development and not is_loopback_host((scope.get("client") or ("",))[0]):
            await _refuse(
                send,
                403,
                "This server runs in development mode and answers this machine only. "
                "Deploy with PORTAL_ENV=production to serve other hosts.",
                "forbidden",
            )
            return
        size = sum(len(k) + len(v) for k, v in scope.get("headers", []))
        if size > self.max_header_bytes:
            await _refuse(
                send,
                431,
                f"The request headers are larger than the limit of {self.max_header_bytes} bytes.",
                "headers_too_large",
            )
            return
        await self.app(scope, receive, _with_security_headers(send))


def _with_security_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            extra = list(ALWAYS)
            content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if content_type.startswith(b"text/html"):
                extra += PAGE
                extra.append((b"content-security-policy", DEFAULT_PAGE_CSP.encode()))
            message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
        await send(message)

    return wrapped


async def _refuse(send: Send, status: int, message: str, error: str) -> None:
    body = json.dumps(error_body(status, message, error)).encode()
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers + ALWAYS})
    await send({"type": "http.response.body", "body": body})
