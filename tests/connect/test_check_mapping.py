"""check_mapping against the Xero emulator as a UK, an Australian and a US organisation,
over real HTTP: each preset is all met in its own organisation; a wrong mapping gets
one line per problem; the worker refuses to start with them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from quote2cash.chart.presets import PRESETS
from quote2cash.cli import app
from quote2cash.connect.accounts import ensure_bad_debts_account
from quote2cash.connect.mapping import (
    MappingRefused,
    account_requirements,
    check_mapping,
    tax_requirements,
)
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroAccount, XeroTaxRate
from quote2cash.sandbox.common.server import ThreadedServer
from quote2cash.sandbox.xero import XeroSandboxConfig
from quote2cash.sandbox.xero import create_app as xero_app
from quote2cash.sandbox.xero.reference_data import Region
from quote2cash.settings import SANDBOX_XERO_TENANT, Settings, get_settings
from workers.main import run_worker

ORGANISATIONS: list[Region] = ["uk", "au", "us"]


TOKEN = "mapping-test-token"
"""The emulator's test-only fixed bearer: these tests are about the chart, not OAuth."""


@pytest.fixture(params=ORGANISATIONS)
def organisation(request: pytest.FixtureRequest) -> Region:
    region: Region = request.param
    return region


@pytest.fixture
def xero_server(organisation: Region) -> Iterator[ThreadedServer]:
    with ThreadedServer(
        xero_app(XeroSandboxConfig(organisation=organisation, static_token=TOKEN))
    ) as server:
        yield server


@pytest.fixture
async def xero(xero_server: ThreadedServer) -> AsyncIterator[XeroClient]:
    settings = Settings(xero_token=TOKEN, xero_tenant_id=SANDBOX_XERO_TENANT)
    async with httpx.AsyncClient(timeout=10) as http:
        yield XeroClient(
            http,
            base_url=xero_server.url,
            tenant_id=settings.xero_tenant_id,
            token=settings.xero_token,
        )


def _settings(xero_server: ThreadedServer, organisation: Region, **more: object) -> Settings:
    return Settings.model_validate(
        {
            "accounting_organisation": organisation,
            "xero_base_url": xero_server.url,
            "xero_token": TOKEN,
            "xero_tenant_id": SANDBOX_XERO_TENANT,
            **more,
        }
    )


async def test_each_preset_is_met_by_its_organisation(
    xero: XeroClient, xero_server: ThreadedServer, organisation: Region
) -> None:
    settings = _settings(xero_server, organisation)
    before = await check_mapping(settings, xero)
    await ensure_bad_debts_account(xero, PRESETS[organisation])
    after = await check_mapping(settings, xero)

    # No default chart has a bad-debts account: until it is created, that one line.
    assert [(r.name, r.detail) for r in before if not r.ok] == [
        ("account bad_debts = BADDEBT", "no account BADDEBT in the chart")
    ]
    assert [r for r in after if not r.ok] == []
    names = {r.name for r in after}
    assert f"account bank = {PRESETS[organisation].accounts.cash}" in names
    assert {f"currency {c}" for c in PRESETS[organisation].currencies} <= names


@pytest.mark.parametrize("organisation", ["uk"])
async def test_a_wrong_mapping_gets_one_line_per_problem(
    xero: XeroClient, xero_server: ThreadedServer, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        """
[entities.default]
currencies = ["GBP", "JPY"]

[entities.default.accounts]
bank = "200"
receivable = "835"
revenue = "4000"
bad_debts = "404"

[entities.default.tax_types]
standard = "OUTPUT"
reduced = { tax_type = "RROUTPUT", rate = "20" }
zero = "INPUT2"
""",
        encoding="utf-8",
    )
    settings = _settings(xero_server, "uk", accounting_mapping_file=mapping)
    unmet = [(r.name, r.detail) for r in await check_mapping(settings, xero) if not r.ok]

    assert unmet == [
        (
            "account receivable = 835",
            "account 835 (Revenue Received in Advance) is type CURRLIAB, class LIABILITY; "
            "receivable needs Xero's Accounts Receivable (system account DEBTORS)",
        ),
        ("account revenue = 4000", "no account 4000 in the chart"),
        (
            "account bank = 200",
            "account 200 (Sales) is type REVENUE, class REVENUE; bank needs a bank account "
            "(type BANK)",
        ),
        ("tax standard = OUTPUT", "no tax rate OUTPUT in the organisation"),
        (
            "tax reduced = RROUTPUT",
            "tax rate RROUTPUT (5% (VAT on Income)) is 5%; reduced expects 20%",
        ),
        (
            "tax zero = INPUT2",
            "tax rate INPUT2 (20% (VAT on Expenses)) does not apply to revenue",
        ),
        ("currency JPY", "we bill in JPY, which the organisation has not enabled"),
    ]
    assert all(r.fix for r in await check_mapping(settings, xero) if not r.ok)


def test_archived_accounts_and_deleted_tax_rates_are_refused() -> None:
    uk = PRESETS["uk"]
    chart = {
        "090": XeroAccount.model_validate(
            {
                "AccountID": "a",
                "Code": "090",
                "Name": "Old bank",
                "Type": "BANK",
                "Status": "ARCHIVED",
                "Class": "ASSET",
            }
        )
    }
    rates = {
        "OUTPUT2": XeroTaxRate(tax_type="OUTPUT2", name="20% (VAT on Income)", status="DELETED")
    }
    [bank] = [r for r in account_requirements(uk, chart) if r.name == "account bank = 090"]
    [standard] = [r for r in tax_requirements(uk, rates) if r.name == "tax standard = OUTPUT2"]

    assert (bank.ok, bank.detail) == (False, "account 090 (Old bank) is ARCHIVED")
    assert (standard.ok, standard.detail) == (
        False,
        "tax rate OUTPUT2 (20% (VAT on Income)) is DELETED",
    )


@pytest.mark.parametrize("organisation", ["au"])
async def test_the_worker_refuses_to_start_in_an_organisation_its_mapping_does_not_fit(
    xero_server: ThreadedServer,
) -> None:
    # A UK mapping against an Australian organisation; Temporal is never reached.
    settings = _settings(xero_server, "uk", temporal_address="127.0.0.1:9")
    with pytest.raises(MappingRefused) as refused:
        await run_worker(settings)

    text = str(refused.value)
    assert text.startswith("the Xero organisation does not match the accounting mapping:")
    assert "tax standard = OUTPUT2: no tax rate OUTPUT2 in the organisation" in text
    assert "account fx_gain_loss = 498: no account 498 in the chart" in text
    assert len(refused.value.unmet) == len(text.splitlines()) - 2
    assert text.endswith("runbook: runbooks/MappingRefused.md")


@pytest.mark.parametrize("organisation", ["us"])
def test_q2c_connect_mapping_prints_a_line_each_and_fails_on_a_problem(
    xero_server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("Q2C_XERO_BASE_URL", xero_server.url)
    monkeypatch.setenv("Q2C_ACCOUNTING_ORGANISATION", "us")
    monkeypatch.setenv("Q2C_XERO_TOKEN", TOKEN)
    monkeypatch.setenv("Q2C_XERO_TENANT_ID", SANDBOX_XERO_TENANT)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["connect", "mapping"])
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 1, result.output
    assert "ok   account receivable = 120: Accounts Receivable" in result.output
    assert "FAIL account bad_debts = BADDEBT: no account BADDEBT in the chart; create it" in (
        result.output
    )
