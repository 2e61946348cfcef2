"""Who is acting, as established by the authenticated channel — never by model output."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    email: str
    channel: str = "web"  # web | slack | cli | eval

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", self.email.strip().lower())
