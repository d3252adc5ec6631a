"""Xero Accounting API shapes (``xero_accounting.yaml``, v16.1.0), as the client uses them.

Attributes are snake_case; aliases are Xero's PascalCase names, which is what goes on
the wire (``model_dump(by_alias=True)``). Money is ``Decimal``: the client parses Xero's
JSON numbers straight into ``Decimal`` (``connectors.jsoncodec``) and writes them back as
JSON numbers with their exact digits. Dates parse from ``/Date(…)/`` or ISO and are sent
as ``YYYY-MM-DD``. Unknown response fields are ignored so that Xero can add fields.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_pascal

from quote2cash.connectors.xero_dates import parse_date, parse_datetime

XeroDate = Annotated[date, BeforeValidator(parse_date), PlainSerializer(date.isoformat)]
XeroDateTime = Annotated[datetime, BeforeValidator(parse_datetime)]
LineAmountTypes = Literal["Exclusive", "Inclusive", "NoTax"]
InvoiceStatus = Literal["DRAFT", "SUBMITTED", "DELETED", "AUTHORISED", "PAID", "VOIDED"]


class XeroModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_pascal, validate_by_name=True, validate_by_alias=True, extra="ignore"
    )

    def to_xero(self) -> dict[str, object]:
        """The request shape: PascalCase, unset fields left out."""
        return self.model_dump(mode="python", by_alias=True, exclude_none=True)


class XeroAddress(XeroModel):
    address_type: Literal["POBOX", "STREET", "DELIVERY"] = "POBOX"
    address_line1: str | None = Field(default=None, alias="AddressLine1")
    address_line2: str | None = Field(default=None, alias="AddressLine2")
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None


class XeroContactIn(XeroModel):
    name: str
    contact_number: str | None = None
    account_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email_address: str | None = None
    tax_number: str | None = None
    default_currency: str | None = None
    addresses: list[XeroAddress] | None = None


class XeroContact(XeroContactIn):
    contact_id: str = Field(alias="ContactID")
    contact_status: str | None = None
    is_customer: bool | None = None
    updated_date_utc: XeroDateTime | None = Field(default=None, alias="UpdatedDateUTC")


class XeroContactRef(XeroModel):
    contact_id: str | None = Field(default=None, alias="ContactID")
    contact_number: str | None = None
    name: str | None = None


class XeroLineItemIn(XeroModel):
    description: str
    quantity: Decimal | None = None
    unit_amount: Decimal | None = None
    item_code: str | None = None
    account_code: str | None = None
    tax_type: str | None = None
    tax_amount: Decimal | None = None
    line_amount: Decimal | None = None
    discount_rate: Decimal | None = None


class XeroLineItem(XeroLineItemIn):
    line_item_id: str | None = Field(default=None, alias="LineItemID")


class XeroInvoiceIn(XeroModel):
    type: Literal["ACCREC", "ACCPAY"] = "ACCREC"
    contact: XeroContactRef
    line_items: list[XeroLineItemIn]
    date: XeroDate | None = None
    due_date: XeroDate | None = None
    line_amount_types: LineAmountTypes = "Exclusive"
    invoice_number: str | None = None
    reference: str | None = None
    currency_code: str | None = None
    currency_rate: Decimal | None = None
    status: Literal["DRAFT", "SUBMITTED", "AUTHORISED"] = "DRAFT"


class XeroInvoiceRef(XeroModel):
    invoice_id: str | None = Field(default=None, alias="InvoiceID")
    invoice_number: str | None = None


class XeroCreditNoteRef(XeroModel):
    credit_note_id: str | None = Field(default=None, alias="CreditNoteID")
    credit_note_number: str | None = None


class XeroAccountRef(XeroModel):
    account_id: str | None = Field(default=None, alias="AccountID")
    code: str | None = None


class XeroAccountIn(XeroModel):
    """An account of the chart, as ``PUT /Accounts`` creates it."""

    code: str = Field(max_length=10)
    name: str = Field(max_length=150)
    type: str
    tax_type: str | None = None
    description: str | None = None


class XeroAccount(XeroAccountIn):
    account_id: str = Field(alias="AccountID")
    status: str | None = None
    class_: str | None = Field(default=None, alias="Class")
    system_account: str | None = None
    """DEBTORS, CREDITORS, GST...: an account Xero's own journals post to."""
    currency_code: str | None = None
    """A bank account's currency."""


class XeroTaxRate(XeroModel):
    """A tax rate of the organisation (``GET /TaxRates``)."""

    tax_type: str
    name: str | None = None
    status: str | None = None
    effective_rate: Decimal | None = None
    display_tax_rate: Decimal | None = None
    can_apply_to_revenue: bool | None = None


class XeroCurrency(XeroModel):
    """A currency enabled in the organisation (``GET /Currencies``)."""

    code: str
    description: str | None = None


class XeroPaymentSummary(XeroModel):
    """A payment as a document lists it (an invoice's, or a credit note's cash refunds)."""

    payment_id: str = Field(alias="PaymentID")
    date: XeroDate | None = None
    amount: Decimal
    reference: str | None = None
    status: str | None = None


class XeroInvoice(XeroModel):
    invoice_id: str = Field(alias="InvoiceID")
    invoice_number: str | None = None
    type: str
    status: InvoiceStatus
    contact: XeroContactRef
    line_items: list[XeroLineItem] = Field(default_factory=list)
    date: XeroDate | None = None
    due_date: XeroDate | None = None
    line_amount_types: LineAmountTypes = "Exclusive"
    reference: str | None = None
    currency_code: str | None = None
    currency_rate: Decimal | None = None
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    amount_due: Decimal
    amount_paid: Decimal
    amount_credited: Decimal = Decimal(0)
    fully_paid_on_date: XeroDate | None = None
    payments: list[XeroPaymentSummary] = Field(default_factory=list)
    updated_date_utc: XeroDateTime | None = Field(default=None, alias="UpdatedDateUTC")


class XeroPaymentIn(XeroModel):
    """A payment on an invoice, or (``credit_note``) cash refunded on a credit note."""

    invoice: XeroInvoiceRef | None = None
    credit_note: XeroCreditNoteRef | None = None
    account: XeroAccountRef
    date: XeroDate
    amount: Decimal
    reference: str | None = None
    currency_rate: Decimal | None = None


class XeroPayment(XeroModel):
    payment_id: str = Field(alias="PaymentID")
    invoice: XeroInvoiceRef | None = None
    credit_note: XeroCreditNoteRef | None = None
    account: XeroAccountRef
    date: XeroDate
    amount: Decimal
    reference: str | None = None
    currency_rate: Decimal | None = None
    status: Literal["AUTHORISED", "DELETED"] = "AUTHORISED"
    payment_type: str | None = None
    updated_date_utc: XeroDateTime | None = Field(default=None, alias="UpdatedDateUTC")


class XeroJournalLine(XeroModel):
    journal_line_id: str = Field(alias="JournalLineID")
    account_id: str | None = Field(default=None, alias="AccountID")
    account_code: str
    account_type: str | None = None
    account_name: str | None = None
    description: str | None = None
    net_amount: Decimal
    gross_amount: Decimal
    tax_amount: Decimal
    tax_type: str | None = None
    tax_name: str | None = None


class XeroJournal(XeroModel):
    """A journal Xero posted itself. Debits are positive, credits negative."""

    journal_id: str = Field(alias="JournalID")
    journal_number: int
    journal_date: XeroDate
    created_date_utc: XeroDateTime | None = Field(default=None, alias="CreatedDateUTC")
    reference: str | None = None
    source_id: str | None = Field(default=None, alias="SourceID")
    source_type: str | None = None
    journal_lines: list[XeroJournalLine] = Field(default_factory=list)


class XeroManualJournalLine(XeroModel):
    """``line_amount``: positive debits, negative credits; the lines must sum to zero."""

    line_amount: Decimal
    account_code: str
    description: str | None = None
    tax_type: str | None = None


class XeroManualJournalIn(XeroModel):
    narration: str
    journal_lines: list[XeroManualJournalLine]
    date: XeroDate | None = None
    line_amount_types: LineAmountTypes = "NoTax"
    status: Literal["DRAFT", "POSTED"] = "POSTED"


class XeroManualJournal(XeroManualJournalIn):
    manual_journal_id: str = Field(alias="ManualJournalID")
    status: Literal["DRAFT", "POSTED", "DELETED", "VOIDED", "ARCHIVED"] = "POSTED"  # type: ignore[assignment]
    updated_date_utc: XeroDateTime | None = Field(default=None, alias="UpdatedDateUTC")


class XeroAllocationIn(XeroModel):
    invoice: XeroInvoiceRef
    amount: Decimal
    date: XeroDate


class XeroAllocation(XeroModel):
    allocation_id: str | None = Field(default=None, alias="AllocationID")
    invoice: XeroInvoiceRef
    amount: Decimal
    date: XeroDate
    is_deleted: bool = False


class XeroCreditNoteIn(XeroModel):
    type: Literal["ACCRECCREDIT", "ACCPAYCREDIT"] = "ACCRECCREDIT"
    contact: XeroContactRef
    line_items: list[XeroLineItemIn]
    date: XeroDate | None = None
    line_amount_types: LineAmountTypes = "Exclusive"
    credit_note_number: str | None = None
    reference: str | None = None
    currency_code: str | None = None
    currency_rate: Decimal | None = None
    status: Literal["DRAFT", "SUBMITTED", "AUTHORISED"] = "AUTHORISED"


class XeroCreditNote(XeroModel):
    credit_note_id: str = Field(alias="CreditNoteID")
    credit_note_number: str | None = None
    type: str
    status: str
    contact: XeroContactRef
    line_items: list[XeroLineItem] = Field(default_factory=list)
    date: XeroDate | None = None
    line_amount_types: LineAmountTypes = "Exclusive"
    currency_code: str | None = None
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal
    remaining_credit: Decimal | None = None
    payments: list[XeroPaymentSummary] = Field(default_factory=list)
    allocations: list[XeroAllocation] = Field(default_factory=list)
    reference: str | None = None
    updated_date_utc: XeroDateTime | None = Field(default=None, alias="UpdatedDateUTC")

    @property
    def refunds(self) -> list[XeroPaymentSummary]:
        """Cash paid back against the credit note: its payments. Xero sends no total of
        them (a credit note has no ``AmountPaid``); what was applied to invoices is in
        ``allocations`` and what is left in ``remaining_credit``."""
        return [p for p in self.payments if p.status != "DELETED"]
