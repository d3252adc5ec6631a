"""Received payments and over-payments: money above the amount due is customer credit.

A payment provider's event (signal ``payment_received``) names an invoice and an
amount. The deal records the payment on the invoice in Xero up to what is still due;
the excess is the customer's credit. Xero's invoices refuse payments above the amount
due, so the credit is kept in our ledger: an unapplied-credit journal (Dr cash, Cr
customer credit) posted with the deal's other journals, and ``customer_credit`` in the
stage query. ``workflow.patched`` is called only when such a payment arrives.

A payment in another currency than the invoice's is not applied at all (Xero would
refuse it or misstate it): the whole payment is held as credit in its own currency, by
the same kind of journal, and ``held_payments`` in the stage query says why and what a
person should do. The invoice stays due. Its own patch is called only when such a
payment arrives.

A payment that comes once the invoice is paid, while the deal posts or writes back, is
all credit: it is held and its journal posted before the deal completes (its own
patch, called only then). The journal's key (``credit_journal_key``) is the one the
API's relay uses for a payment that arrives after the deal closed, so each is posted
once.

A payment that comes while the deal waits for approval, when the deal is then rejected,
will never meet an invoice: it is held the same way, in its own currency, and its
journal posted before the deal completes (its own patch, called only then).

Each held payment's cash line says why the cash is held, not only "above the amount
due".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from temporalio import workflow

from workflows.calls import call
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import AppliedPayment, ApplyPaymentRequest
    from activities.refs import AccountingActivities
    from quote2cash.billing.journal import OVERPAID, JournalEntry, overpayment_entry
    from quote2cash.billing.money import Money
    from quote2cash.messages import PaymentReceived, Stage, credit_journal_key

PATCH_OVERPAYMENT = "received-payments"
PATCH_OTHER_CURRENCY = "payments-in-other-currency"
PATCH_AFTER_PAID = "payments-after-paid"
PATCH_AFTER_PAID_AGAIN = "payments-during-the-hold"
PATCH_BEFORE_REJECTION = "payments-before-rejection"

# Why a held payment's cash is held: the cash line's memo.
OTHER_CURRENCY = "cash received in another currency than the invoice's"
AFTER_PAID = "cash received after the invoice was paid"
REJECTED = "cash received for a deal that was rejected"

PostJournals = Callable[[list[JournalEntry]], Awaitable[None]]


class Overpayments(Parking):
    """Mixin of DealWorkflow: apply received payments, keep the excess as credit."""

    _received: list[PaymentReceived]
    _received_ids: set[str]
    _credits: list[tuple[PaymentReceived, Decimal]]
    _held: list[PaymentReceived]

    def accept_payment(self, payment: PaymentReceived) -> None:
        # Delivery is at least once: the same payment twice is one payment.
        if payment.payment_id not in self._received_ids:
            self._received_ids.add(payment.payment_id)
            self._received.append(payment)

    async def apply_received(self, stage: Stage = Stage.AWAITING_PAYMENT) -> None:
        """Apply each received payment to its invoice in Xero; keep any excess. ``stage``
        is the one the deal waits in (a deal billed in parts may still await delivery)."""
        if not self._received or not workflow.patched(PATCH_OVERPAYMENT):
            return
        while self._received:
            payment = self._received.pop(0)
            if self._other_currency(payment) and workflow.patched(PATCH_OTHER_CURRENCY):
                self._hold(payment)
                continue
            result = await self._apply(payment, stage)
            if result.excess > 0:
                self._keep_excess(payment, result.excess)

    async def hold_after_paid(self, post: PostJournals) -> None:
        """Hold the payments that came after the invoice was paid; post their journals."""
        if not self._received or not workflow.patched(PATCH_AFTER_PAID):
            return
        await post(self._held_after_paid())
        # A payment that came while those were posted must not end with the workflow.
        while self._received and workflow.patched(PATCH_AFTER_PAID_AGAIN):
            await post(self._held_after_paid())

    def _held_after_paid(self) -> list[JournalEntry]:
        entries = []
        while self._received:
            payment = self._received.pop(0)
            if self._other_currency(payment):
                self._hold(payment)
                entries.append(self._held_entry(payment))
                continue
            self._keep_excess(payment, payment.amount)
            entries.append(self._excess_entry(payment, payment.amount, AFTER_PAID))
            self.status.held_payments.append(
                f"payment {payment.payment_id} of {payment.amount} {self.status.currency} "
                "came after the invoice was paid: held as customer credit; "
                "refund it or apply it by hand"
            )
        return entries

    async def hold_after_rejection(self, quoted: str, post: PostJournals) -> None:
        """Hold the payments that came before the deal was rejected; post their journals.

        Nothing will be invoiced, so each whole payment is credit in its own currency
        (``quoted``, the quote's, for a payment that names none). A payment that comes
        while the journals are posted is held too, before the deal completes.
        """
        if not self._received or not workflow.patched(PATCH_BEFORE_REJECTION):
            return
        while self._received:
            held, self._received = self._received, []
            await post([self._hold_rejected(payment, quoted.upper()) for payment in held])

    def _hold_rejected(self, payment: PaymentReceived, quoted: str) -> JournalEntry:
        paid = f"payment {payment.payment_id} of {payment.amount} {payment.currency or quoted}"
        self.status.held_payments.append(
            f"{paid} came while the deal waited for approval, and the deal was rejected: "
            "held as customer credit; refund it or apply it by hand"
        )
        return overpayment_entry(
            key=credit_journal_key(self.status.workflow_id, payment.payment_id),
            amount=Money(amount=payment.amount, currency=payment.currency or quoted),
            received_on=payment.received_on,
            memo=f"{paid} came before deal {self.status.deal_id} was rejected; held for the "
            "customer until refunded or applied by hand",
            cash_memo=REJECTED,
            accounts=self.accounts,
        )

    def _other_currency(self, payment: PaymentReceived) -> bool:
        # "" is the invoice's currency: events recorded before payments named one.
        return bool(payment.currency) and payment.currency != self.status.currency.upper()

    def _hold(self, payment: PaymentReceived) -> None:
        """Keep a payment in another currency as credit; the invoice stays due."""
        self._held.append(payment)
        self.status.held_payments.append(
            f"payment {payment.payment_id} of {payment.amount} {payment.currency} held as "
            f"customer credit: the invoice is in {self.status.currency}; "
            "refund it or apply it by hand"
        )

    def _keep_excess(self, payment: PaymentReceived, excess: Decimal) -> None:
        self._credits.append((payment, excess))
        credit = sum((kept for _, kept in self._credits), Decimal(0))
        self.status.customer_credit = str(credit)

    async def _apply(self, payment: PaymentReceived, stage: Stage) -> AppliedPayment:
        request = ApplyPaymentRequest(
            business_key=f"{self.status.workflow_id}:payment:{payment.payment_id}",
            invoice_id=payment.invoice_id,
            amount=payment.amount,
            received_on=payment.received_on,
        )
        summary = (
            f"record payment {payment.payment_id} of {payment.amount} on the invoice in Xero, "
            "up to the amount due"
        )
        return await self.step(
            stage, lambda: call(AccountingActivities.apply_payment, request, summary)
        )

    def credit_entries(self) -> list[JournalEntry]:
        """One unapplied-credit journal per over-payment and per payment held."""
        excesses = [self._excess_entry(payment, excess) for payment, excess in self._credits]
        return excesses + [self._held_entry(payment) for payment in self._held]

    def _excess_entry(
        self, payment: PaymentReceived, excess: Decimal, cash_memo: str = OVERPAID
    ) -> JournalEntry:
        return overpayment_entry(
            key=credit_journal_key(self.status.workflow_id, payment.payment_id),
            amount=Money(amount=excess, currency=self.status.currency),
            received_on=payment.received_on,
            memo=f"payment {payment.payment_id} of {payment.amount} exceeded the amount due "
            f"by {excess}; held for the customer until refunded or applied",
            cash_memo=cash_memo,
            accounts=self.accounts,
        )

    def _held_entry(self, payment: PaymentReceived) -> JournalEntry:
        return overpayment_entry(
            key=credit_journal_key(self.status.workflow_id, payment.payment_id),
            amount=Money(amount=payment.amount, currency=payment.currency),
            received_on=payment.received_on,
            memo=f"payment {payment.payment_id} of {payment.amount} {payment.currency} is "
            f"not in the invoice's currency ({self.status.currency}); held for the customer "
            "until refunded or applied by hand",
            cash_memo=OTHER_CURRENCY,
            accounts=self.accounts,
        )
