"""API schemas (the HTTP contract of SPEC section 4), separate from the domain's entities and views.

Response models allow extra fields: the domain may add to its read models without breaking clients.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from agent.feedback import COMMENT_CHARS

MAX_TEXT = 4000


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ErrorBody(Open):
    error: str = Field(description="Machine-readable error code, e.g. not_found, rate_limited, NotFound")
    message: str = Field(description="What went wrong, in plain English")


def error_doc(description: str, *, html: bool = False) -> dict[str, Any]:
    """An error response of a route whose `response_class` is HTML.

    FastAPI documents `{"model": ErrorBody}` under the route's media type (text/html there), but these
    errors are JSON; `html=True` adds the readable page a browser gets for the same status instead.
    """
    content: dict[str, Any] = {"application/json": {"schema": ErrorBody.model_json_schema()}}
    if html:
        content["text/html"] = {"schema": {"type": "string"}}
    return {"description": description, "content": content}


# -- chat ------------------------------------------------------------------------------------------
class NewConversation(BaseModel):
    conversation_id: str


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT, description="What the user typed")


class Citation(Open):
    title: str
    source: str
    score: float | None = None


class ToolCall(Open):
    name: str
    args: dict[str, Any] = {}
    ok: bool


class PendingActionOut(Open):
    id: str
    tool: str
    args: dict[str, Any]
    summary: str
    expires_at: str


class Link(Open):
    title: str
    url: str


class TurnResultOut(Open):
    conversation_id: str
    reply: str
    citations: list[Citation] = []
    tool_calls: list[ToolCall] = []
    pending_action: PendingActionOut | None = None
    handoff: dict[str, Any] | None = None
    links: list[Link] = []
    message_id: int | None = Field(
        None, description="The reply's `seq` in the conversation: the message to rate with `.../feedback`"
    )


class ActionResultOut(Open):
    conversation_id: str
    action_id: str
    status: str = Field(
        description="executed | rejected | expired | failed | in_progress (a card payment "
        "whose outcome is being confirmed with the payment service)"
    )
    result: dict[str, Any]
    reply: str
    message_id: int | None = Field(
        None, description="The reply's `seq` in the conversation: the message to rate with `.../feedback`"
    )


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Literal["up", "down"] = Field(description="up: the reply helped; down: it did not")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=COMMENT_CHARS)] = Field(
        "", description="Optional: what was wrong or right (card numbers are masked before it is stored)"
    )


class FeedbackOut(Open):
    conversation_id: str
    message_id: int = Field(description="The rated reply's `seq`")
    rating: Literal["up", "down"]
    comment: str = Field(description="As stored: stripped and masked")
    created_at: str = Field(description="When the user first rated this reply")
    updated_at: str = Field(description="When the user last rated it")


class MessageOut(Open):
    seq: int
    role: str = Field(description="user | assistant")
    content: str
    created_at: str
    rating: str | None = Field(None, description='Your rating of this reply ("up" or "down"), when you gave one')


class ConversationOut(Open):
    conversation_id: str
    channel: str
    created_at: str
    messages: list[MessageOut]
    pending_actions: list[PendingActionOut]


# -- portal reads ----------------------------------------------------------------------------------
class Address(Open):
    line1: str
    line2: str = ""
    city: str
    region: str = ""
    postal_code: str
    country: str


class Contact(Open):
    name: str
    email: str
    phone: str = ""


class CardOut(Open):
    brand: str
    last4: str


class ContractOut(Open):
    id: str
    account_id: str
    status: str
    auto_renew: bool
    end_date: str
    billing_address: Address
    billing_contact: Contact
    card: CardOut | None


class ContractUserOut(Open):
    email: str
    name: str
    roles: list[str]


class InvoiceOut(Open):
    id: str
    contract_id: str
    status: str
    amount: str
    balance: str
    currency: str
    due_date: str
    po_number: str | None
    disputed: bool
    payable: bool
    not_payable_reason: str | None
    pdf_url: str | None = Field(None, description="Short-lived signed link to the invoice PDF (no bearer needed)")


class MeOut(Open):
    email: str
    name: str
    account_id: str
    account_status: str
    reseller: bool
    contracts: list[str]


class SignedQuoteOut(Open):
    id: str
    contract_id: str
    title: str
    signed_on: str
    signed_by: str
    total: str
    currency: str
    download_url: str = Field(description="Short-lived signed link to the PDF (no bearer needed)")
    expires_in_seconds: int


# -- operations and development --------------------------------------------------------------------
class Health(Open):
    status: str


class Readiness(Open):
    status: str
    checks: dict[str, str]


class DevTokenIn(BaseModel):
    email: str = Field(min_length=3, max_length=254)


class DevTokenOut(BaseModel):
    token: str
    email: str


class DevUser(BaseModel):
    email: str
    name: str
    note: str
