"""What the Xero emulator stored, checked against the organisation's mapping: every
invoice and credit note line on the mapping's revenue codes and tax types, and Xero's own
journals on its receivable, tax and bank codes. The emulator's word, not ours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from quote2cash.chart.presets import EntityMapping

Doc = dict[str, Any]


def tax_types(mapping: EntityMapping) -> set[str]:
    return {code.tax_type for code in mapping.tax_types.values()} | {mapping.no_tax}


def assert_lines_charted(mapping: EntityMapping, documents: list[Doc]) -> None:
    revenue = {mapping.accounts.revenue, mapping.accounts.deferred_revenue}
    lines = [line for doc in documents for line in doc["LineItems"]]
    assert lines, "no document lines to check"
    for line in lines:
        assert line["AccountCode"] in revenue, line
        assert line["TaxType"] in tax_types(mapping), line


def assert_journals_charted(mapping: EntityMapping, journals: list[Doc]) -> None:
    """Each sales invoice's journal debits the mapping's receivable and credits its tax
    payable; each payment's moves the receivable against the bank."""
    accounts = mapping.accounts
    by_type: dict[str, int] = {}
    for journal in journals:
        kind = journal["SourceType"]
        by_type[kind] = by_type.get(kind, 0) + 1
        codes = {
            line["AccountCode"]: Decimal(str(line["NetAmount"])) for line in journal["JournalLines"]
        }
        if kind == "ACCREC":
            assert codes.get(accounts.receivable, Decimal(0)) > 0, journal
            assert set(codes) <= {
                accounts.receivable,
                accounts.tax_payable,
                accounts.revenue,
                accounts.deferred_revenue,
            }, journal
        if kind == "ACCRECPAYMENT":
            assert codes.get(accounts.receivable, Decimal(0)) < 0, journal
            assert codes.get(accounts.cash, Decimal(0)) > 0, journal
    assert by_type.get("ACCREC"), f"no sales invoice journal among {by_type}"
