"""Invoice builder: snapshot + period + usage -> an explained invoice draft.

With the default policy (half-up, per line) each line's net is
round(quantity x unit price x (1 - discount %/100)) and its tax round(net x rate), which
is how Xero computes LineAmount and TaxAmount for exclusive amounts, so the totals we
post and the totals Xero posts are the same. With ``per_invoice`` the totals are
rounded once per tax rate and the residual cents allocated to lines, so lines still
sum exactly to the totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, model_validator

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode, minor_units
from quote2cash.billing.decimals import HUNDRED, ZERO, Dec, div, mul, plain
from quote2cash.billing.discounts import DEFAULT_STACKING, DiscountKind
from quote2cash.billing.pricing import BillingPeriod, PendingLine, snapshot_lines, usage_lines
from quote2cash.billing.rounding import (
    DEFAULT_ROUNDING,
    RoundingPolicy,
    allocate,
    round_amount,
    round_to_total,
)
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.billing.tax import (
    DEFAULT_TAX_TABLE,
    OFFLINE_VAT_REGISTRY,
    TaxDecision,
    TaxTable,
    TaxTreatment,
    VatRegistry,
    decide_tax,
)
from quote2cash.billing.usage import UsageCharge

__all__ = [
    "BillingPeriod",
    "InvoiceDraft",
    "InvoiceLine",
    "ServicePeriod",
    "assemble_invoice",
    "build_invoice",
]

# Xero stores quantities and unit amounts to 4 decimal places.
_XERO_PLACES = 4


class ServicePeriod(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date  # exclusive


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str
    description: str
    quantity: Dec
    unit_price: Dec
    discount_percent: Dec
    net_amount: Dec
    tax_rate: Dec
    tax_amount: Dec
    tax_treatment: TaxTreatment
    revenue_account: str
    explanation: str
    kind: str = "one_time"
    sku: str = ""
    gross_amount: Dec = ZERO
    service_period: ServicePeriod | None = None


class InvoiceDraft(BaseModel):
    model_config = ConfigDict(frozen=True)

    deal_id: str
    currency: CurrencyCode
    snapshot_hash: str
    issue_date: date
    due_date: date
    lines: list[InvoiceLine]
    subtotal: Dec
    tax_total: Dec
    total: Dec
    notes: list[str]
    service_period: ServicePeriod | None = None
    prices_include_tax: bool = False
    rounding: RoundingPolicy = RoundingPolicy()

    @model_validator(mode="after")
    def _sums(self) -> InvoiceDraft:
        net = sum((line.net_amount for line in self.lines), ZERO)
        tax = sum((line.tax_amount for line in self.lines), ZERO)
        if (net, tax, net + tax) != (self.subtotal, self.tax_total, self.total):
            raise ValueError(
                f"invoice lines sum to {net} + {tax} but totals say "
                f"{self.subtotal} + {self.tax_total} = {self.total}"
            )
        return self


def build_invoice(
    snapshot: QuoteSnapshot,
    *,
    issue_date: date,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    tax_table: TaxTable = DEFAULT_TAX_TABLE,
    period: BillingPeriod | None = None,
    usage: Sequence[UsageCharge] = (),
    vat_registry: VatRegistry = OFFLINE_VAT_REGISTRY,
    accounts: Accounts = DEFAULT_ACCOUNTS,
    stacking: Sequence[DiscountKind] = DEFAULT_STACKING,
) -> InvoiceDraft:
    """Price the snapshot for ``period`` plus ``usage``; every line explained."""
    pending = snapshot_lines(snapshot, period, stacking, accounts)
    pending += usage_lines(usage, snapshot.currency, accounts)
    return assemble_invoice(
        snapshot,
        pending,
        issue_date=issue_date,
        policy=policy,
        tax_table=tax_table,
        period=period,
        vat_registry=vat_registry,
    )


def assemble_invoice(
    snapshot: QuoteSnapshot,
    pending: Sequence[PendingLine],
    *,
    issue_date: date,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    tax_table: TaxTable = DEFAULT_TAX_TABLE,
    period: BillingPeriod | None = None,
    vat_registry: VatRegistry = OFFLINE_VAT_REGISTRY,
) -> InvoiceDraft:
    """Round, tax and total priced lines under the snapshot's terms."""
    decisions = _decisions(snapshot, pending, tax_table, vat_registry)
    amounts = _amounts(pending, decisions, snapshot, policy)
    lines = [
        _line(p, decisions[p.tax_category], a, snapshot, policy)
        for p, a in zip(pending, amounts, strict=True)
    ]
    subtotal = sum((a.net for a in amounts), ZERO)
    tax_total = sum((a.tax for a in amounts), ZERO)
    return InvoiceDraft(
        deal_id=snapshot.deal_id,
        currency=snapshot.currency,
        snapshot_hash=snapshot.content_hash,
        issue_date=issue_date,
        due_date=issue_date + timedelta(days=snapshot.payment_terms_days),
        lines=lines,
        subtotal=subtotal,
        tax_total=tax_total,
        total=subtotal + tax_total,
        notes=_notes(snapshot, decisions, policy, period),
        service_period=ServicePeriod(start=period.start, end=period.end) if period else None,
        prices_include_tax=snapshot.prices_include_tax,
        rounding=policy,
    )


def _decisions(
    snapshot: QuoteSnapshot,
    pending: Sequence[PendingLine],
    table: TaxTable,
    registry: VatRegistry,
) -> dict[str, TaxDecision]:
    """One decision per tax category: the same buyer and seller for every line."""
    return {
        category: decide_tax(
            seller_country=snapshot.seller_country,
            bill_to=snapshot.bill_to,
            category=category,
            table=table,
            registry=registry,
        )
        for category in dict.fromkeys(p.tax_category for p in pending)
    }


@dataclass(slots=True)
class _Amounts:
    net: Decimal
    tax: Decimal
    residual: Decimal = ZERO  # rounding residual allocated to this line (per invoice)


def _tax_of(amount: Decimal, rate: Decimal, inclusive: bool) -> Decimal:
    """Tax contained in (inclusive) or due on (exclusive) ``amount``, unrounded."""
    return mul(amount, div(rate, HUNDRED + rate) if inclusive else div(rate, HUNDRED))


def _amounts(
    pending: Sequence[PendingLine],
    decisions: dict[str, TaxDecision],
    snapshot: QuoteSnapshot,
    policy: RoundingPolicy,
) -> list[_Amounts]:
    currency, inclusive, mode = snapshot.currency, snapshot.prices_include_tax, policy.mode
    if policy.phase == "per_line":
        result = []
        for p in pending:
            amount = round_amount(p.exact, currency, mode)
            tax = round_amount(
                _tax_of(amount, decisions[p.tax_category].rate, inclusive), currency, mode
            )
            result.append(_Amounts(net=amount - tax if inclusive else amount, tax=tax))
        return result
    return _per_invoice(pending, decisions, currency, inclusive, policy)


def _per_invoice(
    pending: Sequence[PendingLine],
    decisions: dict[str, TaxDecision],
    currency: str,
    inclusive: bool,
    policy: RoundingPolicy,
) -> list[_Amounts]:
    """Round once per tax rate, then spread the residual cents over the lines."""
    result: list[_Amounts] = [_Amounts(ZERO, ZERO)] * len(pending)
    groups: dict[Decimal, list[int]] = {}
    for i, p in enumerate(pending):
        groups.setdefault(decisions[p.tax_category].rate, []).append(i)
    for rate, members in groups.items():
        exact = [pending[i].exact for i in members]
        total = round_amount(sum(exact, ZERO), currency, policy.mode)
        amounts = round_to_total(exact, total, currency)
        tax_total = round_amount(_tax_of(total, rate, inclusive), currency, policy.mode)
        taxes = allocate(tax_total, amounts, currency) if tax_total else [ZERO] * len(members)
        for i, amount, tax in zip(members, amounts, taxes, strict=True):
            line_rounded = round_amount(pending[i].exact, currency, policy.mode)
            net = amount - tax if inclusive else amount
            result[i] = _Amounts(net=net, tax=tax, residual=amount - line_rounded)
    return result


def _line(
    p: PendingLine,
    decision: TaxDecision,
    a: _Amounts,
    snapshot: QuoteSnapshot,
    policy: RoundingPolicy,
) -> InvoiceLine:
    currency = snapshot.currency
    fold = p.fold or _too_precise(p.quantity) or _too_precise(p.unit_price)
    places = minor_units(currency)
    steps = [
        *p.steps,
        f"net {plain(a.net)} {currency} ({policy.mode.label} to {places} places"
        + (
            f", {plain(a.residual)} {currency} rounding residual allocated here)"
            if a.residual
            else ")"
        ),
    ]
    steps.append(_tax_text(decision, a.tax, currency))
    period = (
        ServicePeriod(start=p.service_start, end=p.service_end)
        if p.service_start and p.service_end
        else None
    )
    # A folded line shows its amount as the unit price: gross when prices include tax.
    shown = a.net + a.tax if snapshot.prices_include_tax else a.net
    return InvoiceLine.model_construct(
        line_id=p.line_id,
        description=p.description,
        quantity=Decimal(1) if fold else p.quantity,
        unit_price=shown if fold else p.unit_price,
        discount_percent=ZERO if fold else p.discount_percent,
        net_amount=a.net,
        tax_rate=decision.rate,
        tax_amount=a.tax,
        tax_treatment=decision.treatment,
        revenue_account=p.revenue_account,
        explanation="; ".join(steps),
        kind=p.kind,
        sku=p.sku,
        gross_amount=a.net + a.tax,
        service_period=period,
    )


def _too_precise(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent < -_XERO_PLACES


def _tax_text(decision: TaxDecision, tax: Decimal, currency: str) -> str:
    if decision.treatment == "standard":
        return f"tax {plain(tax)} {currency}: {decision.reason}"
    return f"no tax: {decision.reason}"


def _notes(
    snapshot: QuoteSnapshot,
    decisions: dict[str, TaxDecision],
    policy: RoundingPolicy,
    period: BillingPeriod | None,
) -> list[str]:
    notes = [f"Rounding: {policy.describe()}."]
    if snapshot.prices_include_tax:
        notes.append("Prices include tax.")
    if period is not None:
        notes.append(f"Service period {period.start} to {period.end - timedelta(days=1)}.")
    # Reverse charge and exemptions must be stated on the invoice itself.
    reasons = [d.reason for d in decisions.values() if d.treatment != "standard"]
    notes += [f"{reason}." for reason in dict.fromkeys(reasons)]
    return notes
