"""The demo world of SPEC section 3, dated relative to the seeding day, and synthetic scale data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from billing.entities import (
    Account,
    AccountStatus,
    Address,
    Card,
    Contact,
    Contract,
    ContractContact,
    ContractStatus,
    Invoice,
    InvoiceStatus,
    PortalUser,
    Role,
    SignedQuote,
)
from billing.money import to_amount
from billing.ports import UnitOfWorkFactory

PBC, HOLDER = Role.PRIMARY_BILLING_CONTACT.value, Role.CARD_HOLDER.value


def _accounts() -> list[Account]:
    return [
        Account(
            "ACME",
            "Acme Corp",
            AccountStatus.ACTIVE,
            "US",
            "Casey Collins",
            "casey.collins@billing.example",
            "Morgan Avery",
            "morgan.avery@billing.example",
        ),
        Account(
            "GLOBEX",
            "Globex Ltd",
            AccountStatus.SUSPENDED,
            "GB",
            "Priya Patel",
            "priya.patel@billing.example",
            "Oliver Grant",
            "oliver.grant@billing.example",
        ),
        Account(
            "INITECH",
            "Initech Partners",
            AccountStatus.ACTIVE,
            "US",
            "Casey Collins",
            "casey.collins@billing.example",
            "Morgan Avery",
            "morgan.avery@billing.example",
            reseller=True,
        ),
    ]


def _users(now: dt.datetime) -> list[PortalUser]:
    return [
        PortalUser("alice@acme.example", "Alice Adams", "ACME", False, now),
        PortalUser("bob@acme.example", "Bob Brown", "ACME", False, now),
        PortalUser("erin@acme.example", "Erin Evans", "ACME", False, now),
        PortalUser("carol@globex.example", "Carol Chen", "GLOBEX", False, now),
        PortalUser("dave@initech.example", "Dave Diaz", "INITECH", True, now),
    ]


def _contracts(today: dt.date) -> list[Contract]:
    acme = Address("100 Market Street", "San Francisco", "94105", "US", "Suite 400", "CA")
    globex = Address("1 Riverside Way", "London", "SE1 7PB", "GB", "", "")
    alice = Contact("Alice Adams", "alice@acme.example", "+1 415 555 0100")
    carol = Contact("Carol Chen", "carol@globex.example", "+44 20 7946 0000")
    return [
        Contract(
            "C-1001",
            "ACME",
            ContractStatus.ACTIVE,
            True,
            today + dt.timedelta(days=90),
            "USD",
            True,
            acme,
            alice,
            Card("tok_ok_demo_visa_4242", "Visa", "4242", 12, today.year + 3),
        ),
        Contract(
            "C-1002",
            "ACME",
            ContractStatus.ACTIVE,
            True,
            today + dt.timedelta(days=20),
            "USD",
            False,
            acme,
            alice,
            None,
        ),
        Contract(
            "C-2001",
            "GLOBEX",
            ContractStatus.ACTIVE,
            False,
            today + dt.timedelta(days=200),
            "GBP",
            True,
            globex,
            carol,
            Card("tok_ok_demo_mc_4444", "Mastercard", "4444", 6, today.year + 2),
        ),
    ]


def _contacts() -> list[ContractContact]:
    return [
        ContractContact("cc_alice_c1001", "C-1001", "alice@acme.example", [PBC, HOLDER]),
        ContractContact("cc_alice_c1002", "C-1002", "alice@acme.example", [PBC]),
        ContractContact("cc_bob_c1001", "C-1001", "bob@acme.example", []),
        ContractContact("cc_carol_c2001", "C-2001", "carol@globex.example", [PBC, HOLDER]),
    ]


def _invoices(today: dt.date) -> list[Invoice]:
    def inv(
        iid: str,
        cid: str,
        amount: str,
        cur: str,
        status: InvoiceStatus,
        due_in: int,
        po: str = "",
        disputed: bool = False,
    ) -> Invoice:
        due = today + dt.timedelta(days=due_in)
        balance = to_amount(0) if status == InvoiceStatus.PAID else to_amount(amount)
        return Invoice(
            iid, cid, to_amount(amount), balance, cur, status, due - dt.timedelta(days=30), due, po, disputed
        )

    return [
        inv("INV-1001", "C-1001", "1200.00", "USD", InvoiceStatus.OPEN, 15, "PO-7781"),
        inv("INV-1002", "C-1001", "800.00", "USD", InvoiceStatus.PAID, -20),
        inv("INV-1003", "C-1001", "75000.00", "USD", InvoiceStatus.OPEN, 30),
        inv("INV-1004", "C-1002", "2500.00", "USD", InvoiceStatus.OPEN, 20, disputed=True),
        inv("INV-2001", "C-2001", "500.00", "GBP", InvoiceStatus.OPEN, -40),
        inv("INV-2002", "C-2001", "650.00", "GBP", InvoiceStatus.OPEN, -10),
    ]


def _quotes(today: dt.date) -> list[SignedQuote]:
    return [
        SignedQuote(
            "Q-1001",
            "C-1001",
            "Acme Corp — Platform subscription",
            today - dt.timedelta(days=275),
            "Alice Adams",
            to_amount("14400.00"),
            "USD",
        ),
        SignedQuote(
            "Q-2001",
            "C-2001",
            "Globex Ltd — Platform subscription",
            today - dt.timedelta(days=165),
            "Carol Chen",
            to_amount("6000.00"),
            "GBP",
        ),
    ]


def demo_entities(today: dt.date, now: dt.datetime) -> list[object]:
    return [*_accounts(), *_users(now), *_contracts(today), *_contacts(), *_invoices(today), *_quotes(today)]


def seed_demo(uow_factory: UnitOfWorkFactory, today: dt.date, now: dt.datetime) -> bool:
    """Create the demo world unless it is there already (idempotent). True if it was created."""
    with uow_factory(write=True) as uow:
        if uow.repo.get(Account, "ACME") is not None:
            return False
        uow.repo.add_all(demo_entities(today, now))
        uow.commit()
        return True


def scale_entities(index: int, today: dt.date, now: dt.datetime) -> Iterator[object]:
    """One synthetic account: 3 users, 3 contracts, 4 invoices each (ids SYN…)."""
    aid = f"SYN{index:06d}"
    yield Account(
        aid,
        f"Synthetic {index}",
        AccountStatus.ACTIVE,
        "US",
        "Casey Collins",
        "casey.collins@billing.example",
        "Morgan Avery",
        "morgan.avery@billing.example",
    )
    emails = [f"user{u}.{aid.lower()}@synthetic.example" for u in range(3)]
    for u, email in enumerate(emails):
        yield PortalUser(email, f"User {u} of {aid}", aid, False, now)
    for c in range(3):
        cid = f"C-{aid}-{c}"
        yield Contract(
            cid,
            aid,
            ContractStatus.ACTIVE,
            True,
            today + dt.timedelta(days=30 + 50 * c),
            "USD",
            True,
            Address(f"{index} Main St", "Springfield", "62701", "US", "", "IL"),
            Contact(f"User 0 of {aid}", emails[0], ""),
            Card(f"tok_ok_{aid}_{c}", "Visa", "4242", 12, 2030),
        )
        for u, email in enumerate(emails):
            yield ContractContact(f"cc_{cid}_{u}", cid, email, [PBC, HOLDER] if u == 0 else [])
        for i in range(4):
            due = today + dt.timedelta(days=15 * i - 20)
            amount = to_amount(100 * (i + 1) + index % 97)
            yield Invoice(
                f"INV-{aid}-{c}-{i}",
                cid,
                amount,
                amount,
                "USD",
                InvoiceStatus.OPEN,
                due - dt.timedelta(days=30),
                due,
                f"PO-{index}-{i}",
                False,
            )


def seed_scale(
    uow_factory: UnitOfWorkFactory,
    count: int,
    today: dt.date,
    now: dt.datetime,
    progress: Callable[[int], None] = lambda n: None,
    batch: int = 500,
) -> int:
    """Add `count` synthetic accounts (skipping ones already there); returns how many were added."""
    added = 0
    for start in range(0, count, batch):
        with uow_factory(write=True) as uow:
            wanted = {f"SYN{i:06d}": i for i in range(start, min(start + batch, count))}
            existing = {a.id for a in uow.repo.find(Account, id=list(wanted))}
            chunk = [i for aid, i in wanted.items() if aid not in existing]
            uow.repo.add_all([e for i in chunk for e in scale_entities(i, today, now)])
            uow.commit()
        added += len(chunk)
        progress(min(start + batch, count) - start)
    return added
