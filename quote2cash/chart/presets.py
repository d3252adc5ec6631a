"""The default charts and tax rates of a new Xero organisation in the UK, Australia and
the United States, as our roles and tax categories see them.

Each preset is what a fresh organisation of that region offers: the system accounts
(receivable, payable, tax), the sales and bank accounts and the sales tax types of
Xero's tax-type table for the region (UK: ``OUTPUT2``...; AU: ``OUTPUT`` GST,
``EXEMPTOUTPUT`` GST-free...; US: ``OUTPUT`` "Tax on Sales", ``NONE`` "Tax Exempt").
Two codes are never there: bad debts and customer credit. Create them (the devstack's
seed does in the emulators) or name your own in the mapping file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from quote2cash.billing.accounts import Accounts

Organisation = Literal["uk", "au", "us"]
ORGANISATIONS: tuple[Organisation, ...] = ("uk", "au", "us")

TaxCategory = Literal["standard", "reduced", "reverse_charge", "exempt", "zero", "out_of_scope"]
TAX_CATEGORIES: tuple[TaxCategory, ...] = (
    "standard",
    "reduced",
    "reverse_charge",
    "exempt",
    "zero",
    "out_of_scope",
)


class TaxCode(BaseModel):
    """The organisation's tax type for one of our categories, and the rate we expect it to
    carry; ``None`` where the rate is not one number (US sales tax varies by state)."""

    model_config = ConfigDict(frozen=True)

    tax_type: str
    rate: Decimal | None = None


class EntityMapping(BaseModel):
    """One billing entity's organisation: our roles and categories in its codes."""

    model_config = ConfigDict(frozen=True)

    organisation: Organisation
    country: str
    """The organisation's country: the seller's, for the place-of-supply rules."""
    base_currency: str
    currencies: tuple[str, ...]
    """What we bill in: each must be enabled in the organisation."""
    accounts: Accounts
    tax_types: dict[TaxCategory, TaxCode]
    no_tax: str
    """The tax type of a line that carries no tax (``NONE``; ``BASEXCLUDED`` in AU)."""
    bank_accounts: dict[str, str] = {}
    """A bank account per currency where it is not ``accounts.cash``."""

    def bank_for(self, currency: str) -> str:
        return self.bank_accounts.get(currency, self.accounts.cash)


def _code(tax_type: str, rate: str | None) -> TaxCode:
    return TaxCode(tax_type=tax_type, rate=None if rate is None else Decimal(rate))


# Today's UK codes: Accounts' defaults, so snapshots taken before the mapping agree.
UK = EntityMapping(
    organisation="uk",
    country="GB",
    base_currency="GBP",
    currencies=("GBP", "EUR", "USD"),
    accounts=Accounts(),
    tax_types={
        "standard": _code("OUTPUT2", "20"),
        "reduced": _code("RROUTPUT", "5"),
        "reverse_charge": _code("ECZROUTPUTSERVICES", "0"),
        "exempt": _code("EXEMPTOUTPUT", "0"),
        "zero": _code("ZERORATEDOUTPUT", "0"),
        "out_of_scope": _code("NONE", "0"),
    },
    no_tax="NONE",
)

AU = EntityMapping(
    organisation="au",
    country="AU",
    base_currency="AUD",
    currencies=("AUD", "GBP", "EUR", "USD"),
    accounts=Accounts(
        receivable="610",
        revenue="200",
        deferred_revenue="835",
        tax_payable="820",
        cash="090",
        processor_fees="404",
        fx_gain_loss="499",
        bad_debts="BADDEBT",
        customer_credit="CUSTCREDIT",
    ),
    tax_types={
        "standard": _code("OUTPUT", "10"),
        # GST has one rate, and no reverse charge on sales: a supply abroad is GST-free.
        "reverse_charge": _code("EXEMPTEXPORT", "0"),
        "exempt": _code("INPUTTAXED", "0"),
        "zero": _code("EXEMPTOUTPUT", "0"),
        "out_of_scope": _code("BASEXCLUDED", "0"),
    },
    no_tax="BASEXCLUDED",
)

US = EntityMapping(
    organisation="us",
    country="US",
    base_currency="USD",
    currencies=("USD", "GBP", "EUR"),
    accounts=Accounts(
        receivable="120",
        revenue="400",
        deferred_revenue="240",
        tax_payable="220",
        cash="090",
        processor_fees="600",
        fx_gain_loss="498",
        bad_debts="BADDEBT",
        customer_credit="CUSTCREDIT",
    ),
    tax_types={
        # Sales tax is set per state; the organisation's rate for a state is its own.
        "standard": _code("OUTPUT", None),
        "reverse_charge": _code("NONE", "0"),
        "exempt": _code("NONE", "0"),
        "zero": _code("NONE", "0"),
        "out_of_scope": _code("NONE", "0"),
    },
    no_tax="NONE",
)

PRESETS: dict[Organisation, EntityMapping] = {"uk": UK, "au": AU, "us": US}
