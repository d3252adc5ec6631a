"""Preview: a JSON document in, the invoice the workflow would produce out.

The same functions the workflows call (``build_invoice``, ``amendment_invoice``,
``invoice_entry``, ``schedules_for``) price the document, so a preview and the real
invoice cannot disagree. The format is described in ``docs/preview-format.md``.

``preview_document`` is pure and takes the parsed JSON: the API calls it with the
request body (amounts as strings), the CLI with a file parsed by ``load_document``
(JSON numbers read as exact decimals).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from quote2cash.billing.accounts import Accounts
from quote2cash.billing.amendment import AmendmentDelta, amendment_invoice, diff_snapshots
from quote2cash.billing.decimals import Dec
from quote2cash.billing.discounts import DEFAULT_STACKING, DiscountKind, check_stacking
from quote2cash.billing.errors import BillingError, DocumentError, UsageError, first_problem
from quote2cash.billing.invoice import InvoiceDraft, build_invoice
from quote2cash.billing.journal import JournalEntry, invoice_entry
from quote2cash.billing.pricing import BillingPeriod
from quote2cash.billing.proration import Instant
from quote2cash.billing.recognition import RecognitionSchedule, schedules_for
from quote2cash.billing.render import render
from quote2cash.billing.rounding import RoundingPolicy
from quote2cash.billing.snapshot import QuoteSnapshot
from quote2cash.billing.tax import DEFAULT_TAX_TABLE, TaxTable
from quote2cash.billing.usage import Aggregation, UsageCharge, UsageEvent, UsagePrice, aggregate


class UsageInput(BaseModel):
    """A usage charge with either a measured quantity or a metric to aggregate."""

    model_config = ConfigDict(extra="forbid")

    charge_id: str
    description: str
    price: UsagePrice
    quantity: Dec | None = None
    metric: str | None = None
    aggregation: Aggregation = "sum"
    minimum_amount: Dec | None = None
    tax_category: str = "standard"


class _Common(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issue_date: date
    rounding: RoundingPolicy = RoundingPolicy()
    tax_table: TaxTable = DEFAULT_TAX_TABLE
    stacking: list[DiscountKind] = list(DEFAULT_STACKING)
    accounts: Accounts | None = None
    """The chart to price on; absent: the snapshot's own."""

    def charted(self, snapshot: QuoteSnapshot) -> QuoteSnapshot:
        return (
            snapshot.model_copy(update={"accounts": self.accounts}) if self.accounts else snapshot
        )


class InvoiceDocument(_Common):
    kind: Literal["invoice"]
    snapshot: QuoteSnapshot
    period: BillingPeriod | None = None
    usage: list[UsageInput] = []
    events: list[UsageEvent] = []


class AmendmentDocument(_Common):
    kind: Literal["amendment"]
    before: QuoteSnapshot
    after: QuoteSnapshot
    reason: str
    effective: Instant
    period: BillingPeriod


class _Envelope(BaseModel):
    document: Annotated[InvoiceDocument | AmendmentDocument, Field(discriminator="kind")]


class PreviewResult(BaseModel):
    kind: Literal["invoice", "amendment"]
    invoice: InvoiceDraft
    delta: AmendmentDelta | None = None
    journal: JournalEntry
    recognition: list[RecognitionSchedule]
    text: str


def load_document(text: str) -> dict[str, Any]:
    """Parse a preview file; JSON numbers become exact decimals, never floats."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise DocumentError('a preview document is a JSON object with a "kind"')
    return data


def preview_document(data: dict[str, Any]) -> PreviewResult:
    """Price a preview document; raises ``DocumentError`` with one line on bad input."""
    if data.get("kind") not in ("invoice", "amendment"):
        raise DocumentError('"kind" must be "invoice" or "amendment"')
    try:
        document = _Envelope.model_validate({"document": data}).document
        check_stacking(document.stacking)
        if isinstance(document, InvoiceDocument):
            return _invoice(document)
        return _amendment(document)
    except ValidationError as exc:
        raise DocumentError(first_problem(exc).removeprefix("document.")) from None
    except DocumentError:
        raise
    except BillingError as exc:  # a well-formed document the billing rules refuse
        raise DocumentError(str(exc)) from exc


def _charges(document: InvoiceDocument) -> list[UsageCharge]:
    charges = []
    for item in document.usage:
        fields = item.model_dump(exclude={"metric", "aggregation", "quantity"})
        if item.quantity is not None:
            charges.append(UsageCharge(quantity=item.quantity, **fields))
            continue
        if item.metric is None or document.period is None:
            raise UsageError(
                f"usage {item.charge_id}: give a quantity, or a metric and a period to "
                "aggregate the events over"
            )
        start = datetime.combine(document.period.start, time(0), tzinfo=UTC)
        end = datetime.combine(document.period.end, time(0), tzinfo=UTC)
        measured = aggregate(
            document.events, metric=item.metric, start=start, end=end, aggregation=item.aggregation
        )
        charges.append(
            UsageCharge(
                quantity=measured.quantity,
                transactions=measured.events,
                note=measured.explanation,
                **fields,
            )
        )
    return charges


def _invoice(document: InvoiceDocument) -> PreviewResult:
    invoice = build_invoice(
        document.charted(document.snapshot),
        issue_date=document.issue_date,
        policy=document.rounding,
        tax_table=document.tax_table,
        period=document.period,
        usage=_charges(document),
        stacking=document.stacking,
    )
    return _result("invoice", invoice, None)


def _amendment(document: AmendmentDocument) -> PreviewResult:
    delta = diff_snapshots(
        document.before, document.after, reason=document.reason, effective=document.effective
    )
    invoice = amendment_invoice(
        document.charted(document.before),
        document.charted(document.after),
        period=document.period,
        effective=document.effective,
        issue_date=document.issue_date,
        policy=document.rounding,
        tax_table=document.tax_table,
        stacking=document.stacking,
    )
    return _result("amendment", invoice, delta)


def _result(
    kind: Literal["invoice", "amendment"],
    invoice: InvoiceDraft,
    delta: AmendmentDelta | None,
) -> PreviewResult:
    journal = invoice_entry(invoice, key=f"preview:{invoice.deal_id}")
    recognition = schedules_for(invoice)
    text = render(invoice, delta, journal, recognition)
    return PreviewResult(
        kind=kind, invoice=invoice, delta=delta, journal=journal, recognition=recognition, text=text
    )
