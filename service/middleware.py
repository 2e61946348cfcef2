"""Pure ASGI middleware (streaming-safe): request id, body size limit, access log and HTTP metrics."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from opentelemetry import trace
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_body
from service.logging import REQUEST_ID_ATTRIBUTE, redact_path, request_id_var
from service.metrics import Metrics

access_log = logging.getLogger("portal_agent.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"The request body is larger than the limit of {limit} bytes.")


class RequestContextMiddleware:
    """Gives each request an id (`X-Request-ID`, taken from the client if sane), refuses bodies over
    `max_body` bytes with 413 (declared or streamed), logs one JSON access line and counts it."""

    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int) -> None:
        self.app, self.metrics, self.max_body = app, metrics, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        incoming = headers.get("x-request-id", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(rid)
        # The HTTP span (when tracing is on; a no-op otherwise) starts before the id is known: it gets it here.
        trace.get_current_span().set_attribute(REQUEST_ID_ATTRIBUTE, rid)
        started, status = time.perf_counter(), 500
        scope.setdefault("state", {})["request_id"] = rid

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            declared = headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                await self._reject(send_with_id)
                return
            await self.app(scope, self._limited(receive), send_with_id)
        finally:
            self.metrics.in_flight.dec()
            self._record(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _too_large(self.max_body)  # FastAPI re-raises HTTPException from body parsing
            return message

        return wrapped

    async def _reject(self, send: Send) -> None:
        body = json.dumps(error_body(413, _too_large(self.max_body).detail)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route: object = scope.get("route")
        label = getattr(route, "path", None) or "unmatched"
        self.metrics.requests.labels(scope.get("method", ""), label, str(status)).inc()
        self.metrics.request_seconds.labels(label).observe(seconds)
        state = scope.get("state") or {}
        access_log.info(
            "%s %s %s",
            scope.get("method"),
            redact_path(scope.get("path", "")),
            status,
            extra={
                "method": scope.get("method"),
                "path": redact_path(scope.get("path", "")),
                "route": label,
                "status": status,
                "ms": round(seconds * 1000, 1),
                "user": state.get("user"),
            },
        )
