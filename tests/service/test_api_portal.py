"""Portal reads: resource shapes of SPEC section 4, 404 for unknown-or-not-yours, PDFs."""

from __future__ import annotations

import pytest
from service_kit import USERS, pdf_text


async def test_me(client, world):
    body = (await client.get("/v1/me", headers=world.auth("alice"))).json()
    assert body["email"] == USERS["alice"] and body["name"] == "Alice Adams"
    assert body["account_id"] == "ACME" and body["account_status"] == "active" and body["reseller"] is False
    assert body["contracts"] == ["C-1001", "C-1002"]
    carol = (await client.get("/v1/me", headers=world.auth("carol"))).json()
    assert carol["account_status"] == "suspended"


async def test_contracts_and_one_contract(client, world):
    h = world.auth("alice")
    contracts = (await client.get("/v1/contracts", headers=h)).json()
    assert [c["id"] for c in contracts] == ["C-1001", "C-1002"]
    c1 = (await client.get("/v1/contracts/c-1001", headers=h)).json()  # ids are case-insensitive
    assert c1["id"] == "C-1001" and c1["account_id"] == "ACME" and c1["status"] == "active"
    assert c1["auto_renew"] is True and c1["card"] == {"brand": "Visa", "last4": "4242"}
    assert set(c1["billing_address"]) >= {"line1", "line2", "city", "region", "postal_code", "country"}
    assert set(c1["billing_contact"]) >= {"name", "email", "phone"}
    assert "token" not in str(c1)
    assert contracts[1]["card"] is None
    bob = (await client.get("/v1/contracts", headers=world.auth("bob"))).json()
    assert [c["id"] for c in bob] == ["C-1001"]


async def test_contract_users_with_roles(client, world):
    users = (await client.get("/v1/contracts/C-1001/users", headers=world.auth("bob"))).json()
    by_email = {u["email"]: u for u in users}
    assert set(by_email) == {USERS["alice"], USERS["bob"]}
    assert set(by_email[USERS["alice"]]["roles"]) >= {"primary_billing_contact", "card_holder"}
    assert by_email[USERS["alice"]]["name"] == "Alice Adams"


async def test_invoices_list_filter_and_one(client, world):
    h = world.auth("alice")
    all_ = (await client.get("/v1/invoices", headers=h)).json()
    assert {i["id"] for i in all_} == {"INV-1001", "INV-1002", "INV-1003", "INV-1004"}
    c1 = (await client.get("/v1/invoices", params={"contract_id": "C-1001"}, headers=h)).json()
    assert {i["id"] for i in c1} == {"INV-1001", "INV-1002", "INV-1003"}
    inv = (await client.get("/v1/invoices/INV-1001", headers=h)).json()
    assert inv["amount"] == "1200.00" and inv["balance"] == "1200.00" and inv["currency"] == "USD"
    assert inv["status"] == "open" and inv["po_number"] == "PO-7781" and inv["disputed"] is False
    assert inv["payable"] is True and inv["not_payable_reason"] is None
    assert inv["pdf_url"].startswith("/v1/links/")
    big = (await client.get("/v1/invoices/INV-1003", headers=h)).json()
    assert big["payable"] is False and big["not_payable_reason"]
    opened = (await client.get("/v1/invoices", params={"status": "paid"}, headers=h)).json()
    assert [i["id"] for i in opened] == ["INV-1002"]


async def test_invalid_query_is_422(client, world):
    r = await client.get("/v1/invoices", params={"status": "bogus"}, headers=world.auth("alice"))
    assert r.status_code == 422 and r.json()["error"] == "invalid_input" and "status" in r.json()["message"]
    assert "bogus" not in r.text  # input is never echoed back


@pytest.mark.parametrize(
    "who,theirs,unknown,path",
    [
        ("alice", "INV-2001", "INV-9999", "/v1/invoices/{}"),
        ("bob", "INV-1004", "INV-9998", "/v1/invoices/{}"),
        ("bob", "INV-1004", "INV-9998", "/v1/invoices/{}/pdf"),
        ("bob", "C-1002", "C-9999", "/v1/contracts/{}"),
        ("alice", "C-2001", "C-9999", "/v1/contracts/{}/users"),
        ("alice", "C-2001", "C-9999", "/v1/contracts/{}/signed-quote"),
    ],
)
async def test_not_yours_and_unknown_are_the_same_404(client, world, who, theirs, unknown, path):
    h = world.auth(who)
    a = await client.get(path.format(theirs), headers=h)
    b = await client.get(path.format(unknown), headers=h)
    assert a.status_code == b.status_code == 404
    assert a.text.replace(theirs, "<id>") == b.text.replace(unknown, "<id>")
    same = lambda r: {k: v for k, v in r.headers.items() if k not in ("x-request-id", "content-length")}  # noqa: E731
    assert same(a) == same(b)
    assert a.json()["message"]


async def test_list_invoices_of_someone_elses_contract_is_404(client, world):
    r = await client.get("/v1/invoices", params={"contract_id": "C-2001"}, headers=world.auth("alice"))
    assert r.status_code == 404


async def test_invoice_pdf_is_a_real_pdf_that_says_it_is_not_live(client, world):
    r = await client.get("/v1/invoices/INV-1001/pdf", headers=world.auth("bob"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert 'filename="INV-1001.pdf"' in r.headers["content-disposition"]
    text = pdf_text(r.content)
    assert "Invoice INV-1001" in text and "USD 1,200.00" in text and "PO-7781" in text
    assert "not a live document" in text and "does not show payments made after it was issued" in text


async def test_signed_quote_json_with_download_link(client, world):
    h = world.auth("alice")
    q = (await client.get("/v1/contracts/C-1001/signed-quote", headers=h)).json()
    assert q["id"] == "Q-1001" and q["contract_id"] == "C-1001" and q["download_url"].startswith("/v1/links/")
    assert q["expires_in_seconds"] == world.container.links.ttl_seconds
    pdf = await client.get(q["download_url"])  # no bearer needed: the link is the credential
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "Signed quote Q-1001" in pdf_text(pdf.content)
    none = await client.get("/v1/contracts/C-1002/signed-quote", headers=h)
    assert none.status_code == 404 and none.json()["kind"] == "not_found"
