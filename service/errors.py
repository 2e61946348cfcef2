"""Errors at the HTTP edge: every failure is a JSON body `{"error", "message", ...}` with a status code.

Mapping of `DomainError.kind` (billing/errors.py) to HTTP:

| kind              | status | why                                                                      |
|-------------------|--------|--------------------------------------------------------------------------|
| `unauthenticated` | 401    | the token is valid but names no portal user                              |
| `forbidden`       | 403    | the principal has no access to billing data at all (reseller/partner)    |
| `not_found`       | 404    | unknown *or not yours*: identical bodies so ids cannot be probed         |
| `already_decided` | 409    | the pending action was executed, rejected, failed or expired before      |
| `invalid`         | 422    | a field failed validation                                                |
| `conflict`        | 422    | a business rule refuses the request as given (card not allowed, no change)|

409 is reserved for the state of a pending action (and a conversation busy with another turn),
so a client can treat 409 as "already handled, refresh" and 422 as "fix the input".
The request id is a response header (`X-Request-ID`), not part of the body, so two 404s for an
unknown id and someone else's id are byte-identical.
"""

from __future__ import annotations

import logging
from typing import TypedDict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from agent.store import ConversationBusy
from billing.errors import DomainError
from billing.json_types import JsonObject

log = logging.getLogger("portal_agent.http")

STATUS_BY_KIND = {
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "already_decided": 409,
    "invalid": 422,
    "conflict": 422,
}
ERROR_NAMES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error raised by the HTTP layer itself (auth, links, rate limit)."""

    def __init__(
        self,
        status: int,
        message: str,
        error: str | None = None,
        headers: dict[str, str] | None = None,
        **fields: object,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.fields = status, message, fields
        self.error = error or ERROR_NAMES.get(status, "error")
        self.headers = headers or {}


def error_body(status: int, message: str, error: str | None = None, **fields: object) -> dict[str, object]:
    return {"error": error or ERROR_NAMES.get(status, "error"), "message": message, **fields}


def error_response(
    status_code: int, message: str, error: str | None = None, headers: dict[str, str] | None = None, **fields: object
) -> JSONResponse:
    return JSONResponse(error_body(status_code, message, error, **fields), status_code=status_code, headers=headers)


def domain_status(error: DomainError) -> int:
    return STATUS_BY_KIND.get(error.kind, 422)


def domain_body(error: DomainError) -> JsonObject:
    """`{"error": <class name>, "kind", "message", ...the error's fields}` (e.g. `status` of a decided action)."""
    return error.to_dict()


def domain_response(error: DomainError) -> JSONResponse:
    status_code = domain_status(error)
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return JSONResponse(domain_body(error), status_code=status_code, headers=headers)


class ValidationDetail(TypedDict):
    """One problem of a request that failed validation: where, what, and pydantic's error type."""

    loc: list[str | int]
    msg: str
    type: str


def _validation_details(exc: RequestValidationError) -> list[ValidationDetail]:
    # The offending input is never echoed back: it may hold a card number or a secret.
    return [
        ValidationDetail(loc=list(e.get("loc", ())), msg=str(e.get("msg", "")), type=str(e.get("type", "")))
        for e in exc.errors()
    ]


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.error, exc.headers, **exc.fields)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return domain_response(exc)

    @app.exception_handler(ConversationBusy)
    async def _busy(_: Request, exc: ConversationBusy) -> JSONResponse:
        return error_response(
            409,
            "Another message of this conversation is still being answered; try again in a moment.",
            "conversation_busy",
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(exc)
        first = details[0] if details else ValidationDetail(loc=[], msg="invalid request", type="")
        where = ".".join(str(p) for p in first["loc"] if p != "body") or "request"
        return error_response(422, f"Invalid {where}: {first['msg']}.", "invalid_input", details=details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else ERROR_NAMES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = "No such resource."
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return error_response(500, "Something went wrong on our side. Please try again.")
