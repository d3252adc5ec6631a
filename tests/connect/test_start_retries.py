"""The start check waits out a transient Xero error instead of failing the worker."""

from __future__ import annotations

import httpx
import pytest
import respx

from quote2cash.chart.presets import UK
from quote2cash.connect.accounts import bad_debts_account
from quote2cash.connect.mapping import require_mapping
from quote2cash.connectors.errors import Unauthorized
from quote2cash.connectors.jsoncodec import dumps
from quote2cash.connectors.xero import XeroClient
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero.reference_data import accounts, currencies, tax_rates
from quote2cash.settings import Settings

XERO = "http://127.0.0.1:9/api.xro/2.0"


def _json(body: dict[str, object]) -> httpx.Response:
    """Xero's JSON, Decimals as numbers (what the emulator sends)."""
    return httpx.Response(200, content=dumps(body), headers={"Content-Type": "application/json"})


def _org() -> dict[str, object]:
    org = XeroSandboxConfig().org
    bad_debts = {
        "AccountID": "b",
        "Status": "ACTIVE",
        "Class": "EXPENSE",
        **bad_debts_account(UK).to_xero(),
    }
    return {
        "Accounts": [*accounts(org), bad_debts],
        "TaxRates": tax_rates(org),
        "Currencies": currencies(org),
    }


async def test_a_transient_error_is_retried_and_a_permanent_one_is_not() -> None:
    org = _org()
    settings = Settings(xero_base_url="http://127.0.0.1:9")
    async with httpx.AsyncClient() as http:
        xero = XeroClient(http, base_url=settings.xero_base_url, tenant_id="t", token="x")
        with respx.mock(base_url=XERO) as mock:
            mock.get("/Accounts").mock(
                side_effect=[
                    httpx.Response(503, json={"Message": "down"}),
                    _json({"Accounts": org["Accounts"]}),
                ]
            )
            mock.get("/TaxRates").mock(return_value=_json({"TaxRates": org["TaxRates"]}))
            mock.get("/Currencies").mock(return_value=_json({"Currencies": org["Currencies"]}))
            met = await require_mapping(settings, xero, attempts=2)
        with respx.mock(base_url=XERO) as mock:
            mock.get("/Accounts").respond(401, json={"Message": "token expired"})
            with pytest.raises(Unauthorized):
                await require_mapping(settings, xero, attempts=5)
            assert mock.calls.call_count == 1

    assert met
    assert all(r.ok for r in met)
