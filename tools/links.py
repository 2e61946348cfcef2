"""Short-lived signed links for downloads and the secure card form.

A link names what it opens and for whom, and expires after a few minutes; the service re-checks the
named user's access with the domain when it is used, so a link stops working once access is removed.
A link is a bearer credential while it lasts: whoever holds it acts as its user *for that one thing*
(download that document; propose a card for that contract with the card form, then confirm exactly
the `update_card` action the form created, through the `card_decision` link the form's next page
carries). It opens nothing else and confirms nothing else; every other decision needs the user's own
session. So links are shown only to their user (never posted in a Slack channel) and never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Literal

KINDS = ("invoice_pdf", "signed_quote", "card_form", "card_decision")
# A link's token as it appears in a path or in text (after /v1/links/): what logs and channels redact.
LINK_TOKEN = re.compile(r"(/v1/links/)[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


class InvalidLink(Exception):
    """Tampered, expired or malformed link token; `reason` says which."""

    def __init__(self, reason: Literal["bad_signature", "malformed", "expired"]) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def expired(self) -> bool:
        return self.reason == "expired"


@dataclass(frozen=True)
class LinkClaims:
    kind: str
    resource_id: str
    email: str
    expires_at: int


@dataclass(frozen=True)
class LinkSigner:
    secret: str
    ttl_seconds: int = 600

    def token(self, kind: str, resource_id: str, email: str, now: float | None = None) -> str:
        if kind not in KINDS:
            raise ValueError(kind)
        exp = int((now or time.time()) + self.ttl_seconds)
        body = _b64(json.dumps([kind, resource_id, email, exp], separators=(",", ":")).encode())
        return f"{body}.{self._sign(body)}"

    def path(self, kind: str, resource_id: str, email: str) -> str:
        return f"/v1/links/{self.token(kind, resource_id, email)}"

    def verify(self, token: str, now: float | None = None) -> LinkClaims:
        body, _, sig = token.partition(".")
        # Bytes, not str: compare_digest refuses non-ASCII strings, and a link is whatever was typed.
        if not body or not hmac.compare_digest(sig.encode(), self._sign(body).encode()):
            raise InvalidLink("bad_signature")
        try:
            kind, resource_id, email, exp = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, TypeError) as exc:
            raise InvalidLink("malformed") from exc
        if exp < (now or time.time()):
            raise InvalidLink("expired")
        return LinkClaims(kind, resource_id, email, exp)

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self.secret.encode(), body.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
