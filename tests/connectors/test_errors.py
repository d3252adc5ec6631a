"""Each failure of a vendor call maps to the most specific error, with the vendor's words.

respx stands in for the vendors here: these are unit tests of the mapping; the clients
meet the emulators over real HTTP in ``tests/sandbox``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import httpx
import pytest
import respx

from quote2cash.connectors.errors import (
    Conflict,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    VendorError,
)
from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import (
    XeroAccountRef,
    XeroInvoiceRef,
    XeroPaymentIn,
)

HS = "https://api.hubapi.example"
XERO = "https://api.xero.example"


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def hubspot_error(status: int, category: str, message: str) -> httpx.Response:
    body = {"status": "error", "category": category, "message": message, "correlationId": "c-1"}
    return httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("status", "category", "expected", "retryable"),
    [
        (400, "VALIDATION_ERROR", ValidationFailed, False),
        (401, "INVALID_AUTHENTICATION", Unauthorized, False),
        (403, "MISSING_SCOPES", Unauthorized, False),
        (404, "OBJECT_NOT_FOUND", NotFound, False),
        (409, "CONFLICT", Conflict, False),
        (500, "INTERNAL_ERROR", Unavailable, True),
        (503, "INTERNAL_ERROR", Unavailable, True),
    ],
)
async def test_hubspot_status_maps_to_error_class(
    http: httpx.AsyncClient,
    status: int,
    category: str,
    expected: type[VendorError],
    retryable: bool,
) -> None:
    with respx.mock(base_url=HS) as mock:
        mock.get("/crm/v3/objects/deals/1").mock(
            return_value=hubspot_error(status, category, f"said {status}")
        )
        client = HubSpotClient(http, base_url=HS, token="t")
        with pytest.raises(expected) as caught:
            await client.get_deal("1", properties=["dealname"])
    error = caught.value
    assert type(error) is expected
    assert (error.vendor, error.status, error.retryable) == ("hubspot", status, retryable)
    assert error.detail == f"said {status}"
    assert isinstance(error.__cause__, httpx.HTTPStatusError)


async def test_hubspot_validation_messages_include_nested_errors(http: httpx.AsyncClient) -> None:
    body = {
        "status": "error",
        "category": "VALIDATION_ERROR",
        "message": "Property values were not valid",
        "correlationId": "c-2",
        "errors": [{"message": "bogus was not one of the allowed options"}],
    }
    with respx.mock(base_url=HS) as mock:
        mock.patch("/crm/v3/objects/deals/7").mock(return_value=httpx.Response(400, json=body))
        client = HubSpotClient(http, base_url=HS, token="t")
        with pytest.raises(ValidationFailed) as caught:
            await client.update_deal("7", {"dealstage": "bogus"})
    assert caught.value.messages == [
        "Property values were not valid",
        "bogus was not one of the allowed options",
    ]


async def test_hubspot_429_carries_retry_after(http: httpx.AsyncClient) -> None:
    response = hubspot_error(429, "RATE_LIMITS", "ten_secondly_rolling limit")
    response.headers["Retry-After"] = "2.5"
    with respx.mock(base_url=HS) as mock:
        mock.get("/crm/v3/objects/deals/1").mock(return_value=response)
        with pytest.raises(RateLimited) as caught:
            await HubSpotClient(http, base_url=HS, token="t").get_deal("1", properties=[])
    assert caught.value.retry_after == 2.5
    assert caught.value.retryable


async def test_hubspot_sends_bearer_token(http: httpx.AsyncClient) -> None:
    with respx.mock(base_url=HS) as mock:
        route = mock.get("/crm/v3/objects/deals/1").mock(
            return_value=httpx.Response(200, json={"id": "1", "properties": {}})
        )
        await HubSpotClient(http, base_url=HS, token="tok-1").get_deal("1", properties=["a"])
    assert route.calls.last.request.headers["Authorization"] == "Bearer tok-1"


def payment() -> XeroPaymentIn:
    return XeroPaymentIn(
        invoice=XeroInvoiceRef(invoice_id="00000000-0000-4000-8000-0000000000aa"),
        account=XeroAccountRef(code="090"),
        date=date(2024, 5, 1),
        amount=Decimal("10.00"),
    )


async def test_xero_validation_errors_come_from_elements(http: httpx.AsyncClient) -> None:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [
            {"ValidationErrors": [{"Message": "Payment amount exceeds the amount outstanding"}]}
        ],
    }
    with respx.mock(base_url=XERO) as mock:
        mock.put("/api.xro/2.0/Payments").mock(return_value=httpx.Response(400, json=body))
        client = XeroClient(http, base_url=XERO, tenant_id="t", token="k")
        with pytest.raises(ValidationFailed) as caught:
            await client.create_payment(payment(), idempotency_key="pay-1")
    assert caught.value.messages == ["Payment amount exceeds the amount outstanding"]
    assert not caught.value.retryable


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (httpx.Response(401, json={"Title": "Unauthorized", "Detail": "x"}), Unauthorized),
        (httpx.Response(403, json={"Detail": "AuthenticationUnsuccessful"}), Unauthorized),
        (httpx.Response(404, text="The resource you're looking for cannot be found"), NotFound),
        (httpx.Response(409, json={"Message": "conflict"}), Conflict),
        (httpx.Response(503, text="Service Unavailable"), Unavailable),
        (httpx.Response(429, text="slow down", headers={"Retry-After": "7"}), RateLimited),
    ],
)
async def test_xero_status_maps_to_error_class(
    http: httpx.AsyncClient, response: httpx.Response, expected: type[VendorError]
) -> None:
    with respx.mock(base_url=XERO) as mock:
        mock.get("/api.xro/2.0/Invoices/abc").mock(return_value=response)
        client = XeroClient(http, base_url=XERO, tenant_id="t", token="k")
        with pytest.raises(expected) as caught:
            await client.get_invoice("abc")
    assert type(caught.value) is expected
    assert caught.value.vendor == "xero"
    assert caught.value.detail
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7


@pytest.mark.parametrize(
    "failure",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("cut")],
)
async def test_transport_failures_are_unavailable(
    http: httpx.AsyncClient, failure: Exception
) -> None:
    with respx.mock(base_url=XERO) as mock:
        mock.get("/api.xro/2.0/Journals").mock(side_effect=failure)
        client = XeroClient(http, base_url=XERO, tenant_id="t", token="k")
        with pytest.raises(Unavailable) as caught:
            await client.list_journals()
    assert caught.value.retryable
    assert caught.value.__cause__ is failure


async def test_xero_writes_carry_auth_tenant_and_idempotency_key(http: httpx.AsyncClient) -> None:
    answer = {
        "Payments": [
            {
                "PaymentID": "00000000-0000-4000-8000-0000000000bb",
                "Invoice": {"InvoiceID": "00000000-0000-4000-8000-0000000000aa"},
                "Account": {"Code": "090"},
                "Date": "/Date(1714521600000+0000)/",
                "Amount": 10.00,
            }
        ]
    }
    with respx.mock(base_url=XERO) as mock:
        route = mock.put("/api.xro/2.0/Payments").mock(
            return_value=httpx.Response(200, content=httpx.Response(200, json=answer).content)
        )
        client = XeroClient(http, base_url=XERO, tenant_id="tenant-9", token="tok")
        created = await client.create_payment(payment(), idempotency_key="deal-1:payment:1")
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == "Bearer tok"
    assert sent.headers["xero-tenant-id"] == "tenant-9"
    assert sent.headers["Idempotency-Key"] == "deal-1:payment:1"
    assert b'"Amount":10.00' in sent.content
    assert created.amount == Decimal("10.00")
    assert created.date == date(2024, 5, 1)


def test_where_clause_refuses_quotes() -> None:
    from quote2cash.connectors.xero import where_equals

    assert where_equals("ContactNumber", "C-1") == 'ContactNumber=="C-1"'
    with pytest.raises(ValueError, match="quotes"):
        where_equals("ContactNumber", 'x" OR Name!="')
