"""The Xero emulator's API surface: settings, auth, filters, batch semantics, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from quote2cash.connectors.errors import RateLimited, Unauthorized
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroContactIn
from quote2cash.sandbox.common.faults import FaultConfig, RouteFault
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import create_app as xero_app
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN, xero_config
from tests.sandbox.test_xero_emulator import customer

HEADERS = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}


async def test_reference_data(xero_http: httpx.AsyncClient, xero_server: ThreadedServer) -> None:
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    base = f"{xero_server.url}/api.xro/2.0"
    accounts = (await xero_http.get(f"{base}/Accounts", headers=headers)).json()["Accounts"]
    assert {"090", "610", "200", "820", "835", "404", "498"} <= {a["Code"] for a in accounts}
    rates = (await xero_http.get(f"{base}/TaxRates", headers=headers)).json()["TaxRates"]
    by_type = {r["TaxType"]: r["EffectiveRate"] for r in rates}
    assert by_type["OUTPUT2"] == 20
    assert by_type["ECZROUTPUTSERVICES"] == 0
    currencies = (await xero_http.get(f"{base}/Currencies", headers=headers)).json()
    assert "GBP" in {c["Code"] for c in currencies["Currencies"]}
    bank = await xero_http.get(
        f"{base}/Accounts", params={"where": 'Type=="BANK"'}, headers=headers
    )
    assert {a["Code"] for a in bank.json()["Accounts"]} == {"090", "091"}
    org = await xero_http.get(f"{base}/Organisation", headers=headers)
    assert org.json()["Organisations"][0]["BaseCurrency"] == "GBP"


async def test_items_fill_invoice_lines(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer, xero: XeroClient
) -> None:
    headers = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
    base = f"{xero_server.url}/api.xro/2.0"
    item = {
        "Items": [
            {
                "Code": "ONBOARD",
                "Name": "Onboarding",
                "SalesDetails": {"UnitPrice": 2500.00, "AccountCode": "200", "TaxType": "OUTPUT2"},
            }
        ]
    }
    assert (await xero_http.put(f"{base}/Items", json=item, headers=headers)).status_code == 200
    contact = await customer(xero)
    body = {
        "Invoices": [
            {
                "Type": "ACCREC",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": contact.contact_id},
                "LineItems": [{"ItemCode": "ONBOARD", "Quantity": 1}],
            }
        ]
    }
    response = await xero_http.put(f"{base}/Invoices", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["Invoices"][0]["Total"] == 3000.0


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"xero-tenant-id": XERO_TENANT}, 401),
        ({"Authorization": f"Bearer {XERO_TOKEN}"}, 403),
        ({"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": "someone-else"}, 403),
    ],
)
async def test_token_and_tenant_required(
    raw_http: httpx.AsyncClient, xero_server: ThreadedServer, headers: dict[str, str], status: int
) -> None:
    response = await raw_http.get(f"{xero_server.url}/api.xro/2.0/Invoices", headers=headers)
    assert response.status_code == status
    assert response.json()["Detail"] == "AuthenticationUnsuccessful"


async def test_client_maps_wrong_tenant_to_unauthorized(
    xero_server: ThreadedServer, xero_http: httpx.AsyncClient
) -> None:
    wrong = XeroClient(xero_http, base_url=xero_server.url, tenant_id="nope", token=XERO_TOKEN)
    with pytest.raises(Unauthorized):
        await wrong.list_journals()


async def test_summarize_errors_false_keeps_the_good_elements(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    body = {"Contacts": [{"Name": "Good"}, {"Name": ""}, {"Name": "Also good"}]}
    response = await xero_http.put(
        f"{xero_server.url}/api.xro/2.0/Contacts",
        params={"summarizeErrors": "false"},
        json=body,
        headers=HEADERS,
    )
    assert response.status_code == 200
    done = response.json()["Contacts"]
    assert [c["StatusAttributeString"] for c in done] == ["OK", "ERROR", "OK"]
    assert done[1]["ValidationErrors"][0]["Message"] == "The contact name must be specified."
    listing = await xero_http.get(f"{xero_server.url}/api.xro/2.0/Contacts", headers=HEADERS)
    assert [c["Name"] for c in listing.json()["Contacts"]] == ["Good", "Also good"]


async def test_one_bad_element_fails_the_whole_request_by_default(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    body = {"Contacts": [{"Name": "Good"}, {"Name": ""}]}
    response = await xero_http.put(
        f"{xero_server.url}/api.xro/2.0/Contacts", json=body, headers=HEADERS
    )
    assert response.status_code == 400
    assert response.json()["Type"] == "ValidationException"
    listing = await xero_http.get(f"{xero_server.url}/api.xro/2.0/Contacts", headers=HEADERS)
    assert listing.json()["Contacts"] == []


async def test_if_modified_since(
    xero: XeroClient, xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    await customer(xero)
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    url = f"{xero_server.url}/api.xro/2.0/Contacts"
    fresh = await xero_http.get(url, headers={**HEADERS, "If-Modified-Since": later})
    assert fresh.json()["Contacts"] == []
    old = await xero_http.get(url, headers={**HEADERS, "If-Modified-Since": earlier})
    assert len(old.json()["Contacts"]) == 1


async def test_forgotten_idempotency_key_creates_again(http: httpx.AsyncClient) -> None:
    clock = [datetime(2024, 5, 1, tzinfo=UTC)]
    app = xero_app(xero_config(idempotency_ttl_seconds=300), clock=lambda: clock[0])
    with ThreadedServer(app) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        first = await xero.create_contact(XeroContactIn(name="A"), idempotency_key="k")
        clock[0] += timedelta(seconds=299)
        again = await xero.create_contact(XeroContactIn(name="A"), idempotency_key="k")
        assert again.contact_id == first.contact_id
        clock[0] += timedelta(seconds=2)
        with pytest.raises(Exception, match="must be unique"):
            await xero.create_contact(XeroContactIn(name="A"), idempotency_key="k")


async def test_per_minute_quota(http: httpx.AsyncClient) -> None:
    quota = RouteFault(path="/api.xro/2.0/*", rate_limit_per_minute=3)
    with ThreadedServer(xero_app(xero_config(faults=FaultConfig(routes=[quota])))) as server:
        xero = XeroClient(http, base_url=server.url, tenant_id=XERO_TENANT, token=XERO_TOKEN)
        for _ in range(3):
            await xero.list_journals()
        with pytest.raises(RateLimited) as caught:
            await xero.list_journals()
    assert caught.value.retry_after is not None
    assert 0 < caught.value.retry_after <= 60
