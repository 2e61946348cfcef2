"""Domain operations in spans, with the SDK alone (nothing from the outer layers): the operation's name and
outcome; a refusal is not an error; any other failure is, by its type only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from billing.errors import InvalidInput
from billing.tracing import traced
from tests.service.tracing_kit import global_provider, memory_spans

CARD = "4111111111111111"


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    with memory_spans() as memory:
        yield memory


@traced
def list_invoices(contract_id: str) -> list[str]:
    return ["INV-1001"]


@traced
def update_po_number(po_number: str) -> None:
    raise InvalidInput("po_number", po_number, "letters, digits, space, - _ / only")


@traced
def settle() -> None:
    raise KeyError(CARD)  # a bug whose message quotes a value: the type is kept, never the message


def test_an_operation_that_answers_is_ok(exporter: InMemorySpanExporter) -> None:
    assert list_invoices("C-1001") == ["INV-1001"]
    [span] = exporter.get_finished_spans()
    assert span.name == "billing.list_invoices"
    assert span.attributes["portal.operation.name"] == "list_invoices"
    assert span.attributes["portal.operation.outcome"] == "ok" and span.status.status_code is StatusCode.UNSET


def test_a_refusal_is_an_outcome_and_an_error_is_an_error(exporter: InMemorySpanExporter) -> None:
    with pytest.raises(InvalidInput):
        update_po_number(f"PO {CARD}")
    with pytest.raises(KeyError):
        settle()
    refused, failed = exporter.get_finished_spans()
    assert refused.attributes["portal.operation.outcome"] == "refused"
    assert refused.attributes["portal.refusal"] == "InvalidInput" and refused.status.status_code is StatusCode.UNSET
    assert failed.attributes["portal.operation.outcome"] == "error" and failed.attributes["error.type"] == "KeyError"
    assert failed.status.status_code is StatusCode.ERROR
    for span in (refused, failed):
        assert not span.events and CARD not in str(dict(span.attributes)) + str(span.status.description)


def test_with_tracing_off_an_operation_just_runs() -> None:
    with global_provider(None):
        assert list_invoices("C-1001") == ["INV-1001"]
        with pytest.raises(InvalidInput):
            update_po_number("bad|po")
