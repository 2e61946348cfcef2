"""Signed links: invoice PDFs, signed quotes and the secure card form.

A link (tools/links.py) names its kind, resource and user and expires after a few minutes. Opening
it re-checks access with the domain *for the link's user*, so a link stops working when access is
removed. Tampered or malformed links answer 404, expired ones 410, both as JSON.

The card form (kind `card_form`) is the only place a card number enters the system: the number is
tokenized by the payment gateway right here, never logged or stored; only the gateway token, brand
and last four digits go into the `update_card` proposal, which the user must then confirm on the
next page. The proposal belongs to the chat conversation given as `?conversation=<id>` when that
conversation is the link user's (the widget adds it), so the chat sees the outcome; otherwise to a
dedicated conversation created for the form.

The next page posts to a `card_decision` link signed for that one action: it can confirm or cancel
only the `update_card` action the form created, for the link's user, once (the action is single
use). A card-form link cannot decide anything, and a decision link nothing but its action; any other
action id gets the same 404 as an unknown action. Every other confirmation needs the user's own
session (widget bearer token, Slack requester, CLI).
"""

from __future__ import annotations

import html
from string import Template
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from agent.masking import mask
from agent.results import action_dict
from billing.commands import UpdateCard
from billing.entities import PendingAction
from billing.errors import ActionNotFound, DomainError
from billing.principal import Principal
from billing.views import ContractView
from bootstrap.container import Container
from service.api.deps import AppContainer, AppMetrics, rate_limit_client
from service.api.schemas import ErrorBody, error_doc
from service.documents import invoice_document, quote_document
from service.errors import ApiError, domain_response, domain_status
from service.web import read_text
from tools.links import InvalidLink, LinkClaims

router = APIRouter(prefix="/v1/links", tags=["downloads"])
PAGE = Template(read_text("page.html"))
HTML_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'",
}
LINK_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorBody, "description": "Tampered or unknown"},
    405: {"model": ErrorBody, "description": "A decision link"},
    410: {"model": ErrorBody, "description": "Expired"},
    429: {"model": ErrorBody},
}


def verified(token: str, request: Request, container: AppContainer) -> LinkClaims:
    # Links name a user but are not that user's session: they spend the client address's own bucket,
    # so a link holder can neither throttle the link's owner nor guess links at speed.
    rate_limit_client(request, "links")
    try:
        claims = container.links.verify(token)
    except InvalidLink as exc:
        if exc.expired:
            raise ApiError(410, "This link has expired; ask the assistant for a new one.", "link_expired") from None
        raise ApiError(404, "This link is not valid.", "invalid_link") from None
    request.state.user = claims.email
    return claims


Claims = Annotated[LinkClaims, Depends(verified)]


def _principal(claims: LinkClaims) -> Principal:
    return Principal(claims.email, "web")


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.substitute(title=html.escape(title), body=body), status, headers=HTML_HEADERS)


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def _error(request: Request, error: DomainError) -> Response:
    """Form-flow refusals: a readable page for a browser, the usual JSON error otherwise."""
    if not _wants_html(request):
        return domain_response(error)
    return _page(
        "Card not updated",
        f'<h1>Card not updated</h1><p class="error" role="alert">'
        f'{html.escape(error.message)}</p><p class="note">Nothing was changed.</p>',
        domain_status(error),
    )


@router.get(
    "/{token}",
    responses={**LINK_ERRORS, 200: {"content": {"application/pdf": {}, "text/html": {}}}},
    response_class=Response,
    summary="Open a signed link: a PDF, or the secure card form",
)
def open_link(claims: Claims, container: AppContainer, conversation: str | None = None) -> Response:
    principal = _principal(claims)
    if claims.kind == "invoice_pdf":
        return invoice_document(container, principal, claims.resource_id)
    if claims.kind == "signed_quote":
        return quote_document(container, principal, claims.resource_id)
    if claims.kind != "card_form":
        raise ApiError(405, "This link only accepts a decision.")
    contract = container.billing.get_contract(principal, claims.resource_id)
    return _card_form(contract, conversation or "")


def _card_form(contract: ContractView, conversation: str, error: str = "", status: int = 200) -> HTMLResponse:
    conversation = mask(conversation)  # echoed into the page: never a card number, even one typed there
    card = contract.card
    current = f"{card.brand} ending {card.last4}" if card else "no card"
    alert = f'<p class="error" role="alert" id="form-error">{html.escape(error)}</p>' if error else ""
    described = ' aria-describedby="form-error"' if error else ""
    body = f"""<h1>Update the card on {html.escape(contract.id)}</h1>
<p>Card on file now: <strong>{html.escape(current)}</strong>.</p>
<p class="note">Your card number goes straight to the payment processor. It is never shown to the
assistant, stored, or written to any log; only the last four digits are kept.</p>
{alert}
<form method="post" autocomplete="on"{described}>
  <input type="hidden" name="conversation" value="{html.escape(conversation)}">
  <label for="number">Card number</label>
  <input id="number" name="number" inputmode="numeric" autocomplete="cc-number" required maxlength="23"
         pattern="[0-9 \\-]{{13,23}}" aria-required="true">
  <div class="row">
    <div><label for="expiry">Expiry (MM/YY)</label>
      <input id="expiry" name="expiry" autocomplete="cc-exp" required placeholder="MM/YY" maxlength="7"></div>
    <div><label for="cvc">Security code (CVC)</label>
      <input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" required maxlength="4"></div>
  </div>
  <button class="primary" type="submit">Continue</button>
</form>
<p class="note">Nothing changes until you confirm on the next step.</p>"""
    return _page(f"Update the card on {contract.id}", body, status)


def _form_fields(raw: bytes) -> dict[str, str]:
    fields = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v[0].strip() for k, v in fields.items() if v}


def _expiry(text: str) -> tuple[int, int]:
    month, _, year = text.replace(" ", "").partition("/")
    if not (month.isdigit() and year.isdigit()):
        return 0, 0
    y = int(year)
    return int(month), (2000 + y if y < 100 else y)


def _conversation_for(container: Container, principal: Principal, requested: str) -> str:
    if requested:
        try:
            return container.runner.conversation(principal, requested).id
        except DomainError:
            pass  # not theirs or unknown: fall through to a dedicated conversation
    return container.runner.start_conversation(principal).id


def _propose_card(
    container: Container, principal: Principal, contract_id: str, fields: dict[str, str]
) -> PendingAction:
    month, year = _expiry(fields.get("expiry", ""))
    card = container.billing.gateway.tokenize(fields.get("number", ""), month, year, fields.get("cvc", ""))
    fields.pop("number", None), fields.pop("cvc", None)  # the number goes no further than the gateway
    conversation_id = _conversation_for(container, principal, fields.get("conversation", ""))
    command = UpdateCard.clean(
        {
            "contract_id": contract_id,
            "token": card.token,
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
        }
    )
    return container.billing.propose(principal, conversation_id, command)


# The form routes answer HTML: their JSON errors (and a browser's error pages) are documented explicitly.
FORM_ERRORS: dict[int | str, dict[str, object]] = {
    404: error_doc("Tampered or unknown link, or not yours", html=True),
    405: error_doc("The link is not a card-form link"),
    409: error_doc("Already decided", html=True),
    410: error_doc("Expired link"),
    422: error_doc("Invalid input or refused", html=True),
    429: error_doc("Rate limited"),
}


@router.post(
    "/{token}",
    response_class=HTMLResponse,
    responses=FORM_ERRORS,
    summary="Card form submission: tokenizes the card and proposes `update_card` (not executed)",
)
async def submit_card_form(token: str, request: Request, claims: Claims, container: AppContainer) -> Response:
    if claims.kind != "card_form":
        raise ApiError(405, "This link does not accept submissions.")
    fields = _form_fields(await request.body())
    principal = _principal(claims)
    try:
        action = await run_in_threadpool(_propose_card, container, principal, claims.resource_id, fields)
    except DomainError as error:
        if error.kind != "invalid" or not _wants_html(request):
            return _error(request, error)
        contract = await run_in_threadpool(container.billing.get_contract, principal, claims.resource_id)
        return _card_form(contract, fields.get("conversation", ""), error.message, 422)
    decision = container.links.token("card_decision", action.id, claims.email)
    if not _wants_html(request):
        return JSONResponse(
            {
                "conversation_id": action.conversation_id,
                "pending_action": action_dict(action),
                "decision_url": f"/v1/links/{decision}/decision",
            },
            headers={"Cache-Control": "no-store"},
        )
    return _confirm_page(action, decision)


def _confirm_page(action: PendingAction, decision: str) -> HTMLResponse:
    # A relative action: /v1/links/<form token> + "<decision token>/decision" -> /v1/links/<decision token>/decision
    body = f"""<h1>Confirm the new card</h1>
<p class="summary" id="summary">{html.escape(action.summary)}</p>
<p class="note">Nothing has changed yet. This request expires at {html.escape(action.expires_at.strftime("%H:%M UTC"))}.</p>
<form method="post" action="{html.escape(decision)}/decision" aria-describedby="summary">
  <button class="primary" type="submit" name="decision" value="confirm" autofocus>Confirm</button>
  <button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
</form>"""
    return _page("Confirm the new card", body)


def _form_action(container: Container, principal: Principal, claims: LinkClaims, posted_id: str) -> PendingAction:
    """The card update this decision link was signed for; anything else looks like no action at all."""
    if claims.kind != "card_decision":
        raise ActionNotFound(posted_id or "-")  # a card-form link decides nothing, whatever id it is given
    action = container.billing.get_action(principal, claims.resource_id)
    if action is None or action.operation != "update_card":
        raise ActionNotFound(claims.resource_id)
    return action


@router.post(
    "/{token}/decision",
    response_class=HTMLResponse,
    responses=FORM_ERRORS,
    summary="Confirm or cancel the card update the card form proposed (its signed decision link)",
)
async def decide_card(request: Request, claims: Claims, container: AppContainer, metrics: AppMetrics) -> Response:
    if claims.kind not in ("card_form", "card_decision"):
        raise ApiError(405, "This link does not accept decisions.")
    fields = _form_fields(await request.body())
    if fields.get("decision") not in ("confirm", "cancel"):
        raise ApiError(422, "Choose Confirm or Cancel.", "invalid_input")
    approve, principal = fields["decision"] == "confirm", _principal(claims)
    try:
        action = await run_in_threadpool(_form_action, container, principal, claims, fields.get("action_id", ""))
        result = await run_in_threadpool(container.runner.decide, principal, action.conversation_id, action.id, approve)
    except DomainError as error:
        return _error(request, error)
    metrics.observe_decision("update_card", approve, result.status, "card_form")
    if not _wants_html(request):
        return JSONResponse(result.to_dict(), headers={"Cache-Control": "no-store"})
    title = "Card updated" if result.status == "executed" else "Card not updated"
    return _page(
        title,
        f'<h1>{title}</h1><p role="status">{html.escape(result.reply)}</p>'
        '<p class="note">You can close this page and return to the chat.</p>',
    )
