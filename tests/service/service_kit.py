"""Helpers shared by the API tests and the browser test: a migrated SQLite demo world, a scripted
model that routes on the user's words, a fake knowledge base, and readers for SSE and PDFs."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.runner import Runner
from agent.scripted import ScriptedChatModel
from agent.store import ConversationStore
from billing.adapters.gateway import SimulatedGateway
from billing.adapters.sql_uow import SqlUnitOfWorkFactory
from billing.clock import FixedClock
from billing.demo import seed_demo
from billing.service import BillingService
from bootstrap.container import Container, build_container
from bootstrap.settings import Settings
from knowledge.retriever import Passage
from service.auth import issue_token

USERS = {
    "alice": "alice@acme.example",
    "bob": "bob@acme.example",
    "erin": "erin@acme.example",
    "carol": "carol@globex.example",
    "dave": "dave@initech.example",
}
SECRET = "test-secret-" + "0123456789abcdef" * 4  # 64+ bytes: no short-key warnings
PAY_HELP = Passage(
    "Paying an invoice by credit card",
    "knowledge/docs/paying-invoices.md",
    "How to pay with Pay Now",
    "Open Invoices, find the invoice and select Pay Now.",
    0.81,
)


class FakeKnowledge:
    """Returns the Pay Now article for any question with 'pay' in it, nothing otherwise."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def search(self, query: str, k: int = 4) -> list[Passage]:
        self.queries.append(query)
        return [PAY_HELP] if "pay" in query.lower() else []


def route(messages: list[BaseMessage]) -> AIMessage:
    """A tiny deterministic 'model': pay requests call pay_invoice, anything else searches the help."""
    last = messages[-1]
    if isinstance(last, ToolMessage):
        data = json.loads(last.content) if isinstance(last.content, str) and last.content.startswith("{") else {}
        if last.name == "pay_invoice":
            text = data.get("message") or "I can pay that now. Please confirm the payment below."
            return AIMessage(content=text)
        passages = data.get("passages") or []
        if passages:
            return AIMessage(
                content=f"{passages[0]['text']} [1]",
                usage_metadata={"input_tokens": 120, "output_tokens": 14, "total_tokens": 134},
            )
        return AIMessage(content="I don't know that one; I can hand you over to Customer Service.")
    text = str(last.content) if isinstance(last, HumanMessage) else ""
    invoice = re.search(r"\bINV-\d+\b", text, re.IGNORECASE)
    if invoice and "pay" in text.lower():
        return tool_call("pay_invoice", invoice_id=invoice.group(0).upper())
    return tool_call("search_knowledge", query=text)


def tool_call(name: str, **args: Any) -> AIMessage:
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": "call_" + uuid.uuid4().hex[:8], "type": "tool_call"}]
    )


def router_model(n: int = 200) -> ScriptedChatModel:
    return ScriptedChatModel(steps=[route] * n)


@dataclass
class World:
    settings: Settings
    container: Container
    model: ScriptedChatModel
    knowledge: FakeKnowledge
    clock: FixedClock

    def token(self, who: str, **kwargs: Any) -> str:
        return issue_token(USERS.get(who, who), self.settings.portal_secret_key, **kwargs)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}"}

    @property
    def db_path(self) -> Path:
        return Path(self.settings.database_url.removeprefix("sqlite:///"))


def make_world(tmp_path: Path, **settings: Any) -> World:
    """The demo world on a fresh SQLite file; the billing clock is fixed at 'now' so tests can move it."""
    values: dict[str, Any] = {
        "portal_data_dir": tmp_path / "data",
        "portal_secret_key": SECRET,
        "portal_env": "development",
        "portal_rate_limit_per_minute": 6000,
        "portal_rate_limit_burst": 1000,
        "portal_client_rate_limit_per_minute": 6000,
        "portal_client_rate_limit_burst": 1000,
        **settings,
    }
    cfg = Settings(_env_file=None, **values)
    container = build_container(cfg)
    clock = FixedClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    container.billing = BillingService(
        SqlUnitOfWorkFactory(container.engine),
        clock,
        SimulatedGateway(),
        dt.timedelta(minutes=cfg.portal_action_ttl_minutes),
    )
    assert seed_demo(container.billing.uow_factory, clock.today(), clock.now())
    model, knowledge = router_model(), FakeKnowledge()
    # Built directly: a scripted model, no fallback, and the Runner's own defaults (budget, deadline).
    container._runner = Runner(
        container.billing,
        ConversationStore(container.engine),
        container.links,
        model=model,
        fallback=None,
        knowledge=knowledge,
    )
    return World(cfg, container, model, knowledge, clock)


def parse_sse(text: str) -> list[tuple[str, Any]]:
    events = []
    for frame in text.replace("\r\n", "\n").split("\n\n"):
        if not frame.strip():
            continue
        name, data = "message", []
        for line in frame.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        events.append((name, json.loads("\n".join(data))))
    return events


def pdf_text(pdf: bytes) -> str:
    """The text drawn by an fpdf2 document (inflating its streams), whitespace collapsed."""
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    chunks = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            chunks.append(zlib.decompress(raw))
        except zlib.error:
            chunks.append(raw)
    strings = re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", b"\n".join(chunks), re.DOTALL)
    text = " ".join(s.decode("latin-1").replace("\\(", "(").replace("\\)", ")") for s in strings)
    return " ".join(text.split())
