"""Structured JSON logs: one object per line, with the request id (and, when tracing is on, the trace and
span ids), card numbers and secrets masked.

Masking happens in the formatter, so nothing logged anywhere in the process (runner, domain,
uvicorn) can write a card number, whatever the caller passed.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import sys
from typing import TextIO

from opentelemetry import trace

from agent.masking import mask
from tools.links import LINK_TOKEN

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID_ATTRIBUTE = "portal.request_id"  # the same id on spans (service/span_processors.py)

_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}


def redact_path(path: str) -> str:
    """Link tokens are bearer credentials for a download or the card form: never written to a log."""
    return LINK_TOKEN.sub(r"\1<redacted>", path)


def scrub(text: str) -> str:
    """Card numbers and secrets masked, link tokens redacted: what any text written out of the process gets."""
    return mask(redact_path(text))


def _clean(value: object) -> object:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """`{"ts", "level", "logger", "msg", "request_id", ...extra}`; every string field masked."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        span = trace.get_current_span().get_span_context()
        if span.is_valid:  # tracing on (service/tracing.py): the line names the trace and span it was written in
            data["trace_id"], data["span_id"] = trace.format_trace_id(span.trace_id), trace.format_span_id(span.span_id)
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_") and key not in data:
                data[key] = value
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(_clean(data), default=str, ensure_ascii=False)


_HANDLER_NAME = "portal-agent-json"


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Idempotent: one JSON handler on the root logger; uvicorn's loggers propagate to it."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line has the request id and no tokens
    for noisy in ("alembic", "httpx", "chromadb"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
