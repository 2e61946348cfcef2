"""PDF downloads, always produced after the domain has authorized the reader."""

from __future__ import annotations

import datetime as dt

from fastapi.responses import Response

from billing.principal import Principal
from bootstrap.container import Container


def _pdf(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def invoice_document(container: Container, principal: Principal, invoice_id: str) -> Response:
    billing = container.billing
    invoice = billing.get_invoice(principal, invoice_id)  # NotFound (404) unless the reader has access
    contract = billing.get_contract(principal, invoice.contract_id)
    account = billing.me(principal).account_name
    now = billing.clock.now().astimezone(dt.UTC)
    from service.pdf import invoice_pdf  # fpdf2 loads on the first download, not at start-up

    return _pdf(invoice_pdf(invoice.to_json(), contract.to_json(), account, now), f"{invoice.id}.pdf")


def quote_document(container: Container, principal: Principal, contract_id: str) -> Response:
    billing = container.billing
    quote = billing.get_signed_quote(principal, contract_id)
    contract = billing.get_contract(principal, quote.contract_id)
    account = billing.me(principal).account_name
    now = billing.clock.now().astimezone(dt.UTC)
    from service.pdf import signed_quote_pdf

    return _pdf(signed_quote_pdf(quote.to_json(), contract.to_json(), account, now), f"{quote.id}-signed-quote.pdf")
