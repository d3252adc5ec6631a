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
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from quote2cash.billing._trusted import trusted, trusted_lazy
from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode, minor_units
from quote2cash.billing.decimals import ONE, ZERO, Dec, plain
from quote2cash.billing.discounts import DEFAULT_STACKING, DiscountKind
from quote2cash.billing.pending import PendingLine
from quote2cash.billing.phases import Amounts, per_invoice, per_line
from quote2cash.billing.pricing import BillingPeriod, snapshot_lines, usage_lines
from quote2cash.billing.rounding import DEFAULT_ROUNDING, RoundingPolicy
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

    # The builder leaves ``explanation`` out of a line's ``__dict__`` and keeps what
    # writes it in ``__pydantic_private__``; the text is written the first time the line
    # is read, compared, hashed or serialized, and is then an ordinary field value. On a
    # 10,000-line invoice that is a third of the build time, spent only when needed.
    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name == "explanation":
                return self._explained()
            return super().__getattr__(name)

    def _explained(self) -> str:
        values = self.__dict__
        text: str | None = values.get("explanation")
        if text is None:
            writer, steps, residual, category = self.__pydantic_private__[_EXPLAIN]  # type: ignore[index]
            text = writer.explain(self, steps, residual, category)
            # In field order, as a validated line has it (repr, JSON, hash).
            ordered = {k: text if k == "explanation" else values[k] for k in _LINE_FIELDS}
            object.__setattr__(self, "__dict__", ordered)
            object.__setattr__(self, "__pydantic_private__", None)
        return text

    # No return annotation: pydantic would take it for the line's serialization schema
    # (the API's OpenAPI document); without one it keeps the model's own.
    @model_serializer(mode="wrap")
    def _serialize(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        self._explained()
        return handler(self)

    def __repr_args__(self) -> Any:
        self._explained()
        return super().__repr_args__()

    # Copies and pickles carry the text, never the recipe: a copy with other amounts
    # keeps the explanation of the line it was copied from, as an eager line would.
    def __copy__(self) -> InvoiceLine:
        self._explained()
        return super().__copy__()

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> InvoiceLine:
        self._explained()
        return super().__deepcopy__(memo)

    def __getstate__(self) -> dict[Any, Any]:
        self._explained()
        return super().__getstate__()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, InvoiceLine):
            self._explained()
            other._explained()
        return super().__eq__(other)

    def __hash__(self) -> int:
        self._explained()
        return hash(tuple(self.__dict__.values()))


_EXPLAIN = "explain"
_LINE_FIELDS = tuple(InvoiceLine.model_fields)


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
    accounts: Accounts = DEFAULT_ACCOUNTS
    """The chart its journals post to: the snapshot's, so every later entry agrees."""

    @model_validator(mode="after")
    def _sums(self) -> InvoiceDraft:
        check_sums(self)
        return self


def check_sums(invoice: InvoiceDraft) -> None:
    """Lines sum exactly to the subtotal and tax; subtotal plus tax is the total."""
    net = sum((line.net_amount for line in invoice.lines), ZERO)
    tax = sum((line.tax_amount for line in invoice.lines), ZERO)
    if (net, tax, net + tax) != (invoice.subtotal, invoice.tax_total, invoice.total):
        raise ValueError(
            f"invoice lines sum to {net} + {tax} but totals say "
            f"{invoice.subtotal} + {invoice.tax_total} = {invoice.total}"
        )


def build_invoice(
    snapshot: QuoteSnapshot,
    *,
    issue_date: date,
    policy: RoundingPolicy = DEFAULT_ROUNDING,
    tax_table: TaxTable = DEFAULT_TAX_TABLE,
    period: BillingPeriod | None = None,
    usage: Sequence[UsageCharge] = (),
    vat_registry: VatRegistry = OFFLINE_VAT_REGISTRY,
    stacking: Sequence[DiscountKind] = DEFAULT_STACKING,
) -> InvoiceDraft:
    """Price the snapshot for ``period`` plus ``usage`` on the snapshot's chart; every line
    explained."""
    pending = snapshot_lines(snapshot, period, stacking, snapshot.accounts)
    pending += usage_lines(usage, snapshot.currency, snapshot.accounts)
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
    rates = {category: decision.rate for category, decision in decisions.items()}
    phase = per_line if policy.phase == "per_line" else per_invoice
    amounts = phase(pending, rates, snapshot.currency, snapshot.prices_include_tax, policy)
    writer = _LineWriter(snapshot, decisions, policy)
    lines = [writer.line(p, a) for p, a in zip(pending, amounts, strict=True)]
    subtotal = sum((a.net for a in amounts), ZERO)
    tax_total = sum((a.tax for a in amounts), ZERO)
    # Every value below was computed here; the one invariant worth re-checking is the sums.
    invoice = trusted(
        InvoiceDraft,
        {
            "deal_id": snapshot.deal_id,
            "currency": snapshot.currency,
            "snapshot_hash": snapshot.content_hash,
            "issue_date": issue_date,
            "due_date": issue_date + timedelta(days=snapshot.payment_terms_days),
            "lines": lines,
            "subtotal": subtotal,
            "tax_total": tax_total,
            "total": subtotal + tax_total,
            "notes": _notes(snapshot, decisions, policy, period),
            "service_period": (
                ServicePeriod(start=period.start, end=period.end) if period else None
            ),
            "prices_include_tax": snapshot.prices_include_tax,
            "rounding": policy,
            "accounts": snapshot.accounts,
        },
    )
    check_sums(invoice)
    return invoice


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


class _LineWriter:
    """Turns priced lines into invoice lines; everything per-invoice computed once."""

    def __init__(
        self, snapshot: QuoteSnapshot, decisions: dict[str, TaxDecision], policy: RoundingPolicy
    ) -> None:
        self.currency = snapshot.currency
        self.inclusive = snapshot.prices_include_tax
        self.decisions = decisions
        self.tax_texts = {category: _tax_text(d) for category, d in decisions.items()}
        self.rounding = f"({policy.mode.label} to {minor_units(self.currency)} places"
        # One set for every line of the invoice: pydantic copies it before changing it.
        self.fields_set = set(_LINE_FIELDS)

    def explain(
        self, line: InvoiceLine, steps: tuple[str, ...], residual: Decimal, category: str
    ) -> str:
        """The line's explanation: its pricing steps, then its rounding and tax."""
        cur = self.currency
        moved = f", {plain(residual)} {cur} rounding residual allocated here" if residual else ""
        net_text = f"net {plain(line.net_amount)} {cur} {self.rounding}{moved})"
        tax_text = self.tax_texts[category].format(f"{plain(line.tax_amount)} {cur}")
        return "; ".join([*steps, net_text, tax_text])

    def line(self, p: PendingLine, a: Amounts) -> InvoiceLine:
        decision = self.decisions[p.tax_category]
        fold = p.fold
        period = None
        if p.service_start is not None and p.service_end is not None:
            period = ServicePeriod(start=p.service_start, end=p.service_end)
        gross = a.net + a.tax
        # A folded line shows its amount as the unit price: gross when prices include tax.
        shown = gross if self.inclusive else a.net
        return trusted_lazy(
            InvoiceLine,
            {
                "line_id": p.line_id,
                "description": p.description,
                "quantity": ONE if fold else p.quantity,
                "unit_price": shown if fold else p.unit_price,
                "discount_percent": ZERO if fold else p.discount_percent,
                "net_amount": a.net,
                "tax_rate": decision.rate,
                "tax_amount": a.tax,
                "tax_treatment": decision.treatment,
                "revenue_account": p.revenue_account,
                "kind": p.kind,
                "sku": p.sku,
                "gross_amount": gross,
                "service_period": period,
            },
            self.fields_set,
            {_EXPLAIN: (self, tuple(p.steps), a.residual, p.tax_category)},
        )


def _tax_text(decision: TaxDecision) -> str:
    """The tax sentence of a line, with ``{}`` where its tax amount goes."""
    reason = decision.reason.replace("{", "{{").replace("}", "}}")
    if decision.treatment == "standard":
        return "tax {}: " + reason
    return "no tax: " + reason


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
