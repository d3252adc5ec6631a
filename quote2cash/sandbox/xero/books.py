"""The organisation's books over the document store: lookups, numbering, journals, events.

Kinds of documents: ``contacts``, ``invoices``, ``creditnotes``, ``payments``,
``manualjournals``, ``journals`` (what Xero posts itself), ``accounts``, ``taxrates``,
``currencies``, ``items``, and ``_idempotency`` for replayed requests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from quote2cash.connectors.xero_dates import date_string, msdate, parse_date, utc_string
from quote2cash.sandbox.common.store import Doc, DocStore
from quote2cash.sandbox.xero import reference_data
from quote2cash.sandbox.xero.clock import Clock
from quote2cash.sandbox.xero.config import XeroSandboxConfig
from quote2cash.sandbox.xero.envelope import XeroNotFound
from quote2cash.sandbox.xero.invoice_math import money


@dataclass
class Books:
    store: DocStore
    config: XeroSandboxConfig
    clock: Clock
    events: list[tuple[str, str, str]] = field(default_factory=list)
    """(category, CREATE|UPDATE, resource id) raised by the current request."""

    def install_defaults(self) -> None:
        """Chart of accounts, tax rates and currencies of a new organisation."""
        with self.store.atomic():
            org = self.config.org
            for account in reference_data.accounts(org):
                self.store.put("accounts", account["AccountID"], account)
            for rate in reference_data.tax_rates(org):
                self.store.put("taxrates", rate["TaxType"], rate)
            for currency in reference_data.currencies(org):
                self.store.put("currencies", currency["Code"], currency)

    def reset(self) -> None:
        self.store.reset()
        self.install_defaults()

    def now(self) -> datetime:
        return self.clock()

    def stamp(self, doc: Doc) -> Doc:
        now = self.now()
        doc["UpdatedDateUTC"] = msdate(now)
        return doc

    def stamp_string(self, doc: Doc) -> Doc:
        self.stamp(doc)
        doc["UpdatedDateUTCString"] = utc_string(self.now())
        return doc

    def new_id(self) -> str:
        return str(uuid.uuid4())

    def next_number(self, prefix: str) -> str:
        return f"{prefix}{self.store.next_value(f'number:{prefix}'):04d}"

    def get(self, kind: str, doc_id: str) -> Doc:
        doc = self.store.get(kind, doc_id)
        if doc is None:
            raise XeroNotFound(f"{kind}/{doc_id}")
        return doc

    def account_by_code(self, code: str) -> Doc | None:
        return next((a for a in self.store.all("accounts") if a["Code"] == code), None)

    def account_by_id(self, account_id: str) -> Doc | None:
        return self.store.get("accounts", account_id)

    def tax_rate(self, tax_type: str) -> Doc | None:
        return self.store.get("taxrates", tax_type)

    def currency_rate(self, currency: str, given: Any) -> Decimal:
        if currency == self.config.base_currency:
            return Decimal("1.000000")
        if given not in (None, "", 0):
            return Decimal(str(given))
        return self.config.org.fx_rates.get(currency, Decimal("1.000000"))

    def system_code(self, system: str) -> str:
        """The code of the chart's system account (DEBTORS, CREDITORS, GST...), which
        Xero's own journals post to whatever the organisation renamed it."""
        for account in self.store.all("accounts"):
            if account.get("SystemAccount") == system:
                return str(account["Code"])
        raise RuntimeError(f"emulator bug: the chart has no {system} system account")

    def notify(self, category: str, event_type: str, resource_id: str) -> None:
        if category in self.config.webhook_categories:
            self.events.append((category, event_type, resource_id))

    def document_date(self, value: Any, default: date | None = None) -> date:
        if value in (None, ""):
            return default or self.now().date()
        return parse_date(value)

    def due_date(self, value: Any, issued: date) -> date:
        if value in (None, ""):
            return issued + timedelta(days=self.config.payment_terms_days)
        return parse_date(value)

    def post_journal(
        self, *, source_type: str, source_id: str, on: date, reference: str, lines: list[Doc]
    ) -> Doc:
        """Record a journal Xero posts itself; debits positive, credits negative, sum 0."""
        number = self.store.next_value("journal-number")
        kept = [line for line in lines if line["NetAmount"] or line["TaxAmount"]]
        journal: Doc = {
            "JournalID": self.new_id(),
            "JournalDate": msdate(on),
            "JournalNumber": number,
            "CreatedDateUTC": msdate(self.now()),
            "Reference": reference,
            "SourceID": source_id,
            "SourceType": source_type,
            "JournalLines": kept,
        }
        net = sum((line["NetAmount"] for line in kept), Decimal(0))
        if net != 0:
            raise RuntimeError(f"emulator bug: journal {number} does not balance ({net})")
        self.store.put("journals", journal["JournalID"], journal)
        return journal

    def journal_line(
        self,
        code: str,
        net: Decimal,
        *,
        tax: Decimal = Decimal("0.00"),
        description: str = "",
        tax_type: str | None = None,
    ) -> Doc:
        account = self.account_by_code(code) or {}
        line: Doc = {
            "JournalLineID": self.new_id(),
            "AccountID": account.get("AccountID"),
            "AccountCode": code,
            "AccountType": account.get("Type"),
            "AccountName": account.get("Name"),
            "Description": description,
            "NetAmount": money(net),
            "GrossAmount": money(net + tax),
            "TaxAmount": money(tax),
            "TrackingCategories": [],
        }
        if tax_type:
            rate = self.tax_rate(tax_type) or {}
            line.update(TaxType=tax_type, TaxName=rate.get("Name", tax_type))
        return line


def dated(doc: Doc, key: str, value: date) -> None:
    """``Date`` as ``/Date(ms+0000)/`` plus ``DateString``, as Xero writes both."""
    doc[key] = msdate(value)
    doc[f"{key}String"] = date_string(value)


def to_base(amount: Decimal, rate: Decimal) -> Decimal:
    return money(amount / rate) if rate else amount
