"""Portal reads through the same guarded domain operations the agent's tools use.

Downloads: `GET /v1/invoices/{id}/pdf` returns the PDF itself to a bearer-authenticated client.
For browsers (which cannot add an Authorization header to a plain link) every invoice carries
`pdf_url` and the signed-quote read carries `download_url`: short-lived signed links
(`/v1/links/<token>`) that re-check access with the domain when opened.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from billing.json_types import JsonObject
from billing.views import InvoiceView
from bootstrap.container import Container
from service.api.deps import AppContainer, CurrentPrincipal
from service.api.schemas import ContractOut, ContractUserOut, ErrorBody, InvoiceOut, MeOut, SignedQuoteOut
from service.documents import invoice_document

router = APIRouter(prefix="/v1", tags=["portal"])
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 404, 429)}


def _with_pdf_url(container: Container, invoice: InvoiceView, email: str) -> JsonObject:
    return {**invoice.to_json(), "pdf_url": container.links.path("invoice_pdf", invoice.id, email)}


@router.get("/me", response_model=MeOut, responses=ERRORS, summary="Who you are and which contracts you can see")
def me(principal: CurrentPrincipal, container: AppContainer) -> JsonObject:
    return container.billing.me(principal).to_json()


@router.get(
    "/contracts",
    response_model=list[ContractOut],
    responses=ERRORS,
    summary="Contracts where you are a billing contact",
)
def list_contracts(principal: CurrentPrincipal, container: AppContainer) -> list[JsonObject]:
    return [c.to_json() for c in container.billing.list_contracts(principal)]


@router.get("/contracts/{contract_id}", response_model=ContractOut, responses=ERRORS)
def get_contract(contract_id: str, principal: CurrentPrincipal, container: AppContainer) -> JsonObject:
    return container.billing.get_contract(principal, contract_id).to_json()


@router.get(
    "/contracts/{contract_id}/users",
    response_model=list[ContractUserOut],
    responses=ERRORS,
    summary="Portal users with access to a contract, with their roles",
)
def list_contract_users(contract_id: str, principal: CurrentPrincipal, container: AppContainer) -> list[JsonObject]:
    return [u.to_json() for u in container.billing.list_contract_users(principal, contract_id)]


@router.get(
    "/contracts/{contract_id}/signed-quote",
    response_model=SignedQuoteOut,
    responses=ERRORS,
    summary="The contract's signed quote, with a short-lived signed download link to its PDF",
)
def get_signed_quote(contract_id: str, principal: CurrentPrincipal, container: AppContainer) -> JsonObject:
    quote = container.billing.get_signed_quote(principal, contract_id)
    return {
        **quote.to_json(),
        "download_url": container.links.path("signed_quote", quote.contract_id, principal.email),
        "expires_in_seconds": container.links.ttl_seconds,
    }


@router.get(
    "/invoices",
    response_model=list[InvoiceOut],
    responses={**ERRORS, 422: {"model": ErrorBody}},
    summary="Your invoices, newest due date first",
)
def list_invoices(
    principal: CurrentPrincipal,
    container: AppContainer,
    contract_id: str | None = Query(None, max_length=40, description="Only this contract"),
    status: str | None = Query(None, pattern="^(open|overdue|processing|paid|void)$"),
) -> list[JsonObject]:
    invoices = container.billing.list_invoices(principal, contract_id, status)
    return [_with_pdf_url(container, i, principal.email) for i in invoices]


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut, responses=ERRORS)
def get_invoice(invoice_id: str, principal: CurrentPrincipal, container: AppContainer) -> JsonObject:
    return _with_pdf_url(container, container.billing.get_invoice(principal, invoice_id), principal.email)


@router.get(
    "/invoices/{invoice_id}/pdf",
    responses={**ERRORS, 200: {"content": {"application/pdf": {}}}},
    response_class=Response,
    summary="The invoice PDF (not a live document: no later payments)",
)
def get_invoice_pdf(invoice_id: str, principal: CurrentPrincipal, container: AppContainer) -> Response:
    return invoice_document(container, principal, invoice_id)
