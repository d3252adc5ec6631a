"""Tax: rates by jurisdiction, exemptions, EU/UK B2B reverse charge, VAT id checks.

The place of supply is the buyer's country (and region where a rate is regional),
which is the rule for the digital services this system sells. A seller collects only
where its table declares rates; a buyer elsewhere is outside the scope of its taxes.

The VAT id check is a ``VatRegistry``. An online registry (VIES, HMRC) is I/O and
belongs in an activity; the workflow passes its answers back in through
``RecordedVatRegistry``. The default registry is offline: format and checksum only.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.gb import vat as gb_vat

from quote2cash.billing.decimals import ZERO, Dec
from quote2cash.billing.errors import TaxError
from quote2cash.billing.snapshot import BillTo

TaxTreatment = Literal["standard", "reverse_charge", "exempt", "zero", "out_of_scope"]

EU_MEMBER_STATES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()  # noqa: SIM905
)
# Where a business buyer with a valid VAT id of its own country accounts for the VAT
# itself (EU Directive 2006/112/EC art. 44 and 196; UK VATA 1994 s.8).
REVERSE_CHARGE_AREA = EU_MEMBER_STATES | {"GB"}
# The provision an invoice cites, for a buyer outside (False) or inside (True) the UK.
_REVERSE_CHARGE_LAW = {False: "Directive 2006/112/EC art. 196", True: "VATA 1994 s.8"}
# VAT id prefixes that differ from the ISO country code.
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}

# python-stdnum imports each country's VAT module on first use. Checking one dummy id
# per member state now, at import, keeps those imports out of workflow run time, where
# the sandbox warns about (and replays could trip over) late imports.
for _prefix in sorted(eu_vat.MEMBER_STATES):
    eu_vat.is_valid(_prefix.upper() + "0")


class TaxRate(BaseModel):
    model_config = ConfigDict(frozen=True)

    country: str
    region: str | None = None
    category: str = "standard"
    rate: Dec  # percent: 20 means 20 %
    name: str


class TaxTable(BaseModel):
    """The rates a seller collects, by (country, region, category)."""

    model_config = ConfigDict(frozen=True)

    name: str
    rates: tuple[TaxRate, ...]

    def rate_for(self, country: str, region: str | None, category: str) -> TaxRate | None:
        """The regional rate if declared, else the national one; None if not collected."""
        national = None
        for rate in self.rates:
            if rate.country != country or rate.category != category:
                continue
            if region is not None and rate.region == region:
                return rate
            if rate.region is None:
                national = rate
        return national

    def collects_in(self, country: str, region: str | None) -> bool:
        return any(
            r.country == country and (r.region is None or r.region == region) for r in self.rates
        )


def _r(
    country: str, rate: str, name: str, category: str = "standard", region: str | None = None
) -> TaxRate:
    return TaxRate(country=country, region=region, category=category, rate=Decimal(rate), name=name)


# Sample rates for tests, examples and local runs, as published in 2024. Verify against
# the tax authority before relying on them; a tenant declares its own table.
SAMPLE_RATES_2024 = TaxTable(
    name="sample-rates-2024",
    rates=(
        _r("GB", "20", "UK VAT standard"),
        _r("GB", "5", "UK VAT reduced", "reduced"),
        _r("GB", "0", "UK VAT zero-rated", "zero_rated"),
        _r("GB", "0", "UK VAT exempt", "exempt"),
        _r("DE", "19", "DE USt standard"),
        _r("DE", "7", "DE USt reduced", "reduced"),
        _r("FR", "20", "FR TVA standard"),
        _r("FR", "5.5", "FR TVA reduced", "reduced"),
        _r("IE", "23", "IE VAT standard"),
        _r("IE", "13.5", "IE VAT reduced", "reduced"),
        _r("NL", "21", "NL BTW standard"),
        _r("NL", "9", "NL BTW reduced", "reduced"),
        _r("ES", "21", "ES IVA standard"),
        _r("IT", "22", "IT IVA standard"),
        _r("AU", "10", "AU GST"),
        # US state base rates only (no local rates): states that tax SaaS.
        _r("US", "4", "US-NY state sales tax", region="NY"),
        _r("US", "6.5", "US-WA state sales tax", region="WA"),
        _r("US", "6", "US-PA state sales tax", region="PA"),
    ),
)
DEFAULT_TAX_TABLE = SAMPLE_RATES_2024


class VatCheck(BaseModel):
    """The outcome of checking one VAT id: evidence kept with the invoice."""

    model_config = ConfigDict(frozen=True)

    vat_id: str
    valid: bool
    country: str | None = None
    reason: str
    source: str = "offline: format and checksum"


class VatRegistry(Protocol):
    def check(self, vat_id: str) -> VatCheck: ...


class OfflineVatRegistry:
    """Format and checksum via python-stdnum; says nothing about registration."""

    def check(self, vat_id: str) -> VatCheck:
        compact = "".join(ch for ch in vat_id.upper() if ch.isalnum())
        prefix = compact[:2]
        module = gb_vat if prefix == "GB" else eu_vat
        try:
            module.validate(compact)
        except stdnum_errors.ValidationError as exc:
            return VatCheck(vat_id=vat_id, valid=False, reason=f"{compact}: {exc}")
        country = _PREFIX_COUNTRY.get(prefix, prefix)
        return VatCheck(vat_id=vat_id, valid=True, country=country, reason=f"{compact}: valid")


class RecordedVatRegistry:
    """Replays checks an activity made online; unknown ids fall back to offline."""

    def __init__(self, checks: Mapping[str, VatCheck]) -> None:
        self._checks = dict(checks)

    def check(self, vat_id: str) -> VatCheck:
        return self._checks.get(vat_id) or OfflineVatRegistry().check(vat_id)


OFFLINE_VAT_REGISTRY = OfflineVatRegistry()


class TaxDecision(BaseModel):
    """What tax applies to one line and why, in words an invoice note can carry."""

    model_config = ConfigDict(frozen=True)

    treatment: TaxTreatment
    rate: Dec = ZERO
    rate_name: str = ""
    reason: str


def decide_tax(
    *,
    seller_country: str,
    bill_to: BillTo,
    category: str,
    table: TaxTable,
    registry: VatRegistry = OFFLINE_VAT_REGISTRY,
) -> TaxDecision:
    """The treatment of one supply from ``seller_country`` to ``bill_to``."""
    if bill_to.tax_exempt:
        return TaxDecision(treatment="exempt", reason="Exempt: the customer is tax exempt")
    buyer = bill_to.country
    invalid_note = ""
    if bill_to.vat_id and buyer != seller_country.upper() and buyer in REVERSE_CHARGE_AREA:
        check = registry.check(bill_to.vat_id)
        if check.valid and check.country == buyer:
            return TaxDecision(
                treatment="reverse_charge",
                reason="Reverse charge: the customer accounts for the VAT "
                f"({_REVERSE_CHARGE_LAW[buyer == 'GB']}); VAT id {check.reason} ({check.source})",
            )
        if check.valid:
            invalid_note = f"; VAT id {check.vat_id} is from {check.country}, not {buyer}"
        else:
            invalid_note = f"; VAT id not accepted ({check.reason})"
        invalid_note += ", so taxed as a sale to a consumer"
    return _rated(buyer, bill_to.region, category, table, invalid_note)


def _rated(
    country: str, region: str | None, category: str, table: TaxTable, note: str
) -> TaxDecision:
    where = f"{country}-{region}" if region else country
    rate = table.rate_for(country, region, category)
    if rate is None:
        if table.collects_in(country, region):
            raise TaxError(
                f"tax table {table.name!r} has rates for {where} but none for category "
                f"{category!r}; add the rate or fix the line's tax_category"
            )
        return TaxDecision(
            treatment="out_of_scope",
            reason=f"Outside the scope of tax: no tax collected in {where} "
            f"(not in table {table.name!r}){note}",
        )
    treatment: TaxTreatment = "standard"
    if rate.rate == ZERO:
        treatment = "exempt" if category == "exempt" else "zero"
    return TaxDecision(
        treatment=treatment,
        rate=rate.rate,
        rate_name=rate.name,
        reason=f"{rate.name} {rate.rate}% ({where}, {category}){note}",
    )
