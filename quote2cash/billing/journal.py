"""Balanced journal entries for invoices, credit notes, payments, refunds, write-offs.

A ``JournalEntry`` cannot be constructed unbalanced: its validator refuses any entry
whose debits differ from its credits, any line with both or neither side, and any
amount not on the currency's minor unit. Builders never post a zero line.

Keys are business keys (deal id + step + version) chosen by the caller, so a retried
activity posts the same entry, never a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from quote2cash.billing.accounts import DEFAULT_ACCOUNTS, Accounts
from quote2cash.billing.currency import CurrencyCode, quantum
from quote2cash.billing.decimals import ZERO, Dec, mul, plain, to_decimal
from quote2cash.billing.errors import BillingError, UnbalancedEntryError
from quote2cash.billing.invoice import InvoiceDraft
from quote2cash.billing.money import Money
from quote2cash.billing.rounding import RoundingMode, round_amount

__all__ = [
    "OVERPAID",
    "Accounts",
    "JournalEntry",
    "JournalLine",
    "fx_payment_entry",
    "invoice_entry",
    "overpayment_entry",
    "payment_entry",
    "refund_entry",
    "reversal_entry",
    "signed_entry",
    "write_off_entry",
]


class JournalLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str = Field(min_length=1)
    debit: Dec = ZERO
    credit: Dec = ZERO
    memo: str = ""


class JournalEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str = Field(min_length=1)
    entry_date: date
    currency: CurrencyCode
    description: str
    lines: list[JournalLine]

    @model_validator(mode="after")
    def _balanced(self) -> JournalEntry:
        unit = quantum(self.currency)
        for line in self.lines:
            if line.debit < ZERO or line.credit < ZERO:
                raise UnbalancedEntryError(f"{self.key}: negative amount on {line.account}")
            if (line.debit == ZERO) == (line.credit == ZERO):
                raise UnbalancedEntryError(
                    f"{self.key}: line on {line.account} must be a debit or a credit, not "
                    "both or neither"
                )
            for amount in (line.debit, line.credit):
                if amount != amount.quantize(unit):
                    raise UnbalancedEntryError(
                        f"{self.key}: {plain(amount)} is not rounded to {self.currency} minor units"
                    )
        debits = sum((line.debit for line in self.lines), ZERO)
        credits = sum((line.credit for line in self.lines), ZERO)
        if debits != credits:
            raise UnbalancedEntryError(
                f"{self.key}: debits {plain(debits)} != credits {plain(credits)} "
                f"{self.currency}; an entry must balance"
            )
        return self

    @property
    def total(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)


def _side(account: str, amount: Decimal, memo: str) -> JournalLine | None:
    """A debit for a positive amount, a credit for a negative one, nothing for zero."""
    if amount == ZERO:
        return None
    if amount > ZERO:
        return JournalLine(account=account, debit=amount, memo=memo)
    return JournalLine(account=account, credit=-amount, memo=memo)


def signed_entry(
    key: str, on: date, currency: str, description: str, signed: Iterable[tuple[str, Decimal, str]]
) -> JournalEntry:
    """Build from (account, signed amount, memo): positive debits, negative credits.

    Amounts on the same account and memo are netted; zero lines are dropped.
    """
    merged: dict[tuple[str, str], Decimal] = {}
    for account, amount, memo in signed:
        merged[(account, memo)] = merged.get((account, memo), ZERO) + amount
    lines = [_side(account, amount, memo) for (account, memo), amount in merged.items()]
    return JournalEntry(
        key=key,
        entry_date=on,
        currency=currency,
        description=description,
        lines=[line for line in lines if line is not None],
    )


def invoice_entry(invoice: InvoiceDraft, *, key: str) -> JournalEntry:
    """Dr receivable total; Cr each line's revenue account; Cr tax payable."""
    accounts = invoice.accounts
    signed: list[tuple[str, Decimal, str]] = [(accounts.receivable, invoice.total, "invoice total")]
    for account in dict.fromkeys(line.revenue_account for line in invoice.lines):
        net = sum((li.net_amount for li in invoice.lines if li.revenue_account == account), ZERO)
        memo = "deferred revenue" if account == accounts.deferred_revenue else "revenue"
        signed.append((account, -net, memo))
    signed.append((accounts.tax_payable, -invoice.tax_total, "tax"))
    return signed_entry(
        key, invoice.issue_date, invoice.currency, f"Invoice for deal {invoice.deal_id}", signed
    )


def payment_entry(
    *,
    key: str,
    amount: Money,
    paid_on: date,
    fee: Money | None = None,
    accounts: Accounts = DEFAULT_ACCOUNTS,
) -> JournalEntry:
    """Dr cash (amount less fee), Dr processor fees; Cr receivable the full amount."""
    fee_amount = ZERO
    if fee is not None:
        fee_amount = (fee - Money.zero(amount.currency)).amount  # refuses another currency
    if fee_amount < ZERO or fee_amount > amount.amount:
        raise BillingError(f"fee {fee} must be between zero and the payment {amount}")
    signed = [
        (accounts.cash, amount.amount - fee_amount, "cash received"),
        (accounts.processor_fees, fee_amount, "processor fee"),
        (accounts.receivable, -amount.amount, "payment"),
    ]
    return signed_entry(key, paid_on, amount.currency, f"Payment of {amount}", signed)


def reversal_entry(entry: JournalEntry, *, key: str, on: date, reason: str) -> JournalEntry:
    """The mirror of ``entry``: every debit becomes a credit and back, so the two net to
    nothing while both stay on the books (a void is visible, never an erasure)."""
    lines = [
        JournalLine(
            account=line.account,
            debit=line.credit,
            credit=line.debit,
            memo=f"reversal of {line.memo}" if line.memo else "reversal",
        )
        for line in entry.lines
    ]
    description = f"Reversal of {entry.key}: {reason}"
    return JournalEntry(
        key=key, entry_date=on, currency=entry.currency, description=description, lines=lines
    )


OVERPAID = "cash received above the amount due"
"""The cash line's memo of an over-payment; a caller holding cash for another reason says so."""


def overpayment_entry(
    *,
    key: str,
    amount: Money,
    received_on: date,
    memo: str,
    cash_memo: str = OVERPAID,
    accounts: Accounts = DEFAULT_ACCOUNTS,
) -> JournalEntry:
    """Dr cash; Cr customer credit: money received and held, not applied to an invoice.

    ``cash_memo`` says why the cash is held (above the amount due, in another currency,
    after the deal closed); ``memo`` explains the credit line.
    """
    signed = [
        (accounts.cash, amount.amount, cash_memo),
        (accounts.customer_credit, -amount.amount, f"unapplied customer credit: {memo}"),
    ]
    return signed_entry(key, received_on, amount.currency, f"Over-payment of {amount}", signed)


def refund_entry(
    *, key: str, amount: Money, refunded_on: date, accounts: Accounts = DEFAULT_ACCOUNTS
) -> JournalEntry:
    """Dr receivable (the customer's credit balance is used up); Cr cash paid out."""
    signed = [
        (accounts.receivable, amount.amount, "refund to customer"),
        (accounts.cash, -amount.amount, "cash refunded"),
    ]
    return signed_entry(key, refunded_on, amount.currency, f"Refund of {amount}", signed)


def write_off_entry(
    *, key: str, amount: Money, written_off_on: date, accounts: Accounts = DEFAULT_ACCOUNTS
) -> JournalEntry:
    """Dr bad debts; Cr receivable: an uncollectable balance leaves the books."""
    signed = [
        (accounts.bad_debts, amount.amount, "bad debt written off"),
        (accounts.receivable, -amount.amount, "written off"),
    ]
    return signed_entry(key, written_off_on, amount.currency, f"Write-off of {amount}", signed)


def fx_payment_entry(
    *,
    key: str,
    amount: Money,
    base_currency: str,
    booked_rate: Decimal,
    settled_rate: Decimal,
    paid_on: date,
    accounts: Accounts = DEFAULT_ACCOUNTS,
) -> JournalEntry:
    """A foreign-currency payment in the base currency: the rate moved since invoicing.

    The receivable was booked at ``booked_rate`` (base per foreign unit); the cash
    arrives at ``settled_rate``; the difference is the realised FX gain or loss.
    """
    booked_rate = to_decimal(booked_rate, "booked_rate")
    settled_rate = to_decimal(settled_rate, "settled_rate")
    cash = round_amount(mul(amount.amount, settled_rate), base_currency, RoundingMode.HALF_UP)
    booked = round_amount(mul(amount.amount, booked_rate), base_currency, RoundingMode.HALF_UP)
    signed = [
        (accounts.cash, cash, f"{amount} at {plain(settled_rate)}"),
        (accounts.receivable, -booked, f"{amount} booked at {plain(booked_rate)}"),
        (accounts.fx_gain_loss, booked - cash, "realised FX gain/loss"),
    ]
    return signed_entry(
        key, paid_on, base_currency, f"Payment of {amount} in {base_currency}", signed
    )
