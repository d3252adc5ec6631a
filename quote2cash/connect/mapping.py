"""The billing entity's mapping against the live organisation: one ``Requirement`` per
account role, tax category and billed currency.

An account must exist, be active and be of the kind its role needs (the bank a BANK
account, the receivable Xero's DEBTORS system account, tax payable its GST system
account...). A tax type must exist, be active, apply to revenue and carry the rate our
category expects. Every currency we bill must be enabled. The worker refuses to start
with any of them unmet (``MappingRefused``): a deal priced against a chart the
organisation does not have would only park at its first invoice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

import typer

from quote2cash.chart.mapping import ROLES, mapping_for
from quote2cash.chart.presets import EntityMapping, TaxCode
from quote2cash.connect import Requirement, all_met
from quote2cash.connectors.errors import VendorError
from quote2cash.connectors.xero import XeroClient
from quote2cash.connectors.xero_models import XeroAccount, XeroTaxRate
from quote2cash.settings import Settings

VENDOR = "xero"
RUNBOOK = "runbooks/MappingRefused.md"
FIX_FILE = "or map the role to another code in Q2C_ACCOUNTING_MAPPING_FILE"


@dataclass(frozen=True)
class RoleRule:
    """What an account must be to serve a role, in words and as a test."""

    needs: str
    fits: Callable[[XeroAccount], bool]


def _of_class(*classes: str) -> Callable[[XeroAccount], bool]:
    return lambda account: account.class_ in classes


def _system(name: str, klass: str) -> Callable[[XeroAccount], bool]:
    return lambda account: account.system_account == name and account.class_ == klass


RULES: dict[str, RoleRule] = {
    "receivable": RoleRule(
        "Xero's Accounts Receivable (system account DEBTORS)", _system("DEBTORS", "ASSET")
    ),
    "revenue": RoleRule("a revenue account (class REVENUE)", _of_class("REVENUE")),
    "deferred_revenue": RoleRule("a liability account (class LIABILITY)", _of_class("LIABILITY")),
    "tax_payable": RoleRule(
        "Xero's tax liability (system account GST, class LIABILITY)", _system("GST", "LIABILITY")
    ),
    "cash": RoleRule("a bank account (type BANK)", lambda a: a.type == "BANK"),
    "bad_debts": RoleRule("an expense account (class EXPENSE)", _of_class("EXPENSE")),
    "processor_fees": RoleRule("an expense account (class EXPENSE)", _of_class("EXPENSE")),
    "fx_gain_loss": RoleRule("an expense or revenue account", _of_class("EXPENSE", "REVENUE")),
}
# No rule for customer_credit: it is held in our ledger only (Xero keeps a customer's
# overpayment on the contact), so the organisation need not have it.
_FILE_ROLE = {field: role for role, field in ROLES.items()}


async def check_mapping(settings: Settings, xero: XeroClient) -> list[Requirement]:
    """One line per role, tax category and currency of the settings' billing entity."""
    mapping = mapping_for(settings)
    chart = {a.code: a for a in await xero.list_accounts()}
    rates = {t.tax_type: t for t in await xero.list_tax_rates()}
    enabled = {c.code for c in await xero.list_currencies()}
    return [
        *account_requirements(mapping, chart),
        *tax_requirements(mapping, rates),
        *currency_requirements(mapping, enabled),
    ]


def account_requirements(
    mapping: EntityMapping, chart: dict[str, XeroAccount]
) -> list[Requirement]:
    wanted = [(f, code, RULES[f]) for f, code in mapping.accounts if f in RULES]
    wanted += [
        (f"cash ({currency})", code, RULES["cash"])
        for currency, code in sorted(mapping.bank_accounts.items())
    ]
    return [_account(role, code, rule, chart.get(code)) for role, code, rule in wanted]


def _account(role: str, code: str, rule: RoleRule, account: XeroAccount | None) -> Requirement:
    shown = _FILE_ROLE.get(role, role.replace("cash", "bank", 1))
    name = f"account {shown} = {code}"
    if account is None:
        return _unmet(
            name, f"no account {code} in the chart", f"create it as {rule.needs}, {FIX_FILE}"
        )
    if account.status != "ACTIVE":
        return _unmet(
            name,
            f"account {code} ({account.name}) is {account.status}",
            f"restore it in Xero, {FIX_FILE}",
        )
    if not rule.fits(account):
        kind = f"type {account.type}, class {account.class_}"
        if account.system_account:
            kind += f", system account {account.system_account}"
        return _unmet(
            name,
            f"account {code} ({account.name}) is {kind}; {shown} needs {rule.needs}",
            f"choose {rule.needs}, {FIX_FILE}",
        )
    return Requirement(vendor=VENDOR, name=name, ok=True, detail=f"{account.name}")


def tax_requirements(mapping: EntityMapping, rates: dict[str, XeroTaxRate]) -> list[Requirement]:
    wanted: list[tuple[str, TaxCode]] = list(mapping.tax_types.items())
    wanted.append(("no tax", TaxCode(tax_type=mapping.no_tax, rate=Decimal(0))))
    return [_tax(category, code, rates.get(code.tax_type)) for category, code in wanted]


def _tax(category: str, code: TaxCode, rate: XeroTaxRate | None) -> Requirement:
    name = f"tax {category} = {code.tax_type}"
    fix = "choose one of the organisation's sales tax rates in Q2C_ACCOUNTING_MAPPING_FILE"
    if rate is None:
        return _unmet(name, f"no tax rate {code.tax_type} in the organisation", fix)
    if rate.status != "ACTIVE":
        return _unmet(name, f"tax rate {code.tax_type} ({rate.name}) is {rate.status}", fix)
    if rate.can_apply_to_revenue is False:
        return _unmet(
            name, f"tax rate {code.tax_type} ({rate.name}) does not apply to revenue", fix
        )
    actual = rate.effective_rate if rate.effective_rate is not None else rate.display_tax_rate
    if code.rate is not None and (actual is None or actual != code.rate):
        return _unmet(
            name,
            f"tax rate {code.tax_type} ({rate.name}) is {actual}%; {category} expects {code.rate}%",
            f"map {category} to a {code.rate}% rate, or set its rate in the mapping file",
        )
    return Requirement(vendor=VENDOR, name=name, ok=True, detail=f"{rate.name}")


def currency_requirements(mapping: EntityMapping, enabled: set[str]) -> list[Requirement]:
    return [
        Requirement(vendor=VENDOR, name=f"currency {c}", ok=True, detail="enabled")
        if c in enabled
        else _unmet(
            f"currency {c}",
            f"we bill in {c}, which the organisation has not enabled",
            "add it in Xero (Settings > Currencies, a plan with multi-currency), or drop it "
            "from the mapping's currencies",
        )
        for c in mapping.currencies
    ]


def _unmet(name: str, detail: str, fix: str) -> Requirement:
    return Requirement(vendor=VENDOR, name=name, ok=False, detail=detail, fix=fix)


class MappingRefused(RuntimeError):
    """The organisation does not have what the mapping names: one line per problem."""

    def __init__(self, unmet: list[Requirement]) -> None:
        self.unmet = unmet
        lines = [f"{r.name}: {r.detail}; {r.fix}" for r in unmet]
        super().__init__(
            "the Xero organisation does not match the accounting mapping:\n  "
            + "\n  ".join(lines)
            + f"\nrunbook: {RUNBOOK}"
        )


async def require_mapping(
    settings: Settings, xero: XeroClient, *, attempts: int = 6
) -> list[Requirement]:
    """``check_mapping``, raising ``MappingRefused`` with the unmet lines if any. A
    transient vendor error (rate limit, outage) is retried with backoff: a worker
    started during a Xero blip waits for it rather than dying."""
    for attempt in range(1, attempts + 1):
        try:
            requirements = await check_mapping(settings, xero)
            break
        except VendorError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            wait = getattr(exc, "retry_after", None) or 0.5 * 2**attempt
            await asyncio.sleep(min(wait, 30.0))
    if not all_met(requirements):
        raise MappingRefused([r for r in requirements if not r.ok])
    return requirements


def mapping_command(
    create_missing: Annotated[
        bool,
        typer.Option(
            "--create-missing",
            help="First add to the chart the accounts no default chart has (bad debts).",
        ),
    ] = False,
) -> None:
    """Check the billing entity's account and tax mapping against the Xero organisation."""

    import httpx

    from quote2cash.connect.accounts import ensure_bad_debts_account
    from quote2cash.connect.clients import xero_client
    from quote2cash.settings import get_settings

    async def run() -> list[Requirement]:
        settings = get_settings()
        async with httpx.AsyncClient(timeout=30) as http:
            xero = xero_client(settings, http, None)
            if create_missing:
                made = await ensure_bad_debts_account(xero, mapping_for(settings))
                typer.echo(f"bad-debts account: {made.code} {made.name}")
            return await check_mapping(settings, xero)

    requirements = asyncio.run(run())
    for r in requirements:
        mark = "ok  " if r.ok else "FAIL"
        typer.echo(f"{mark} {r.name}: {r.detail}" + ("" if r.ok else f"; {r.fix}"))
    if not all_met(requirements):
        raise typer.Exit(1)
