"""A payment for a deal whose workflow is no longer running: held as credit in our ledger.

The deal cannot take the signal any more (it completed, or Temporal's retention has
forgotten it), yet the customer's money arrived and must not vanish as "ignored". If
our id map says we started that deal, the relay posts the unapplied-credit journal
itself (Dr cash, Cr customer credit, in the payment's currency) under the key the deal
would have used (``credit_journal_key``), so the money is on the books once however
often the event is replayed; an operator then refunds it or applies it by hand
(runbooks/HeldPayment.md). A payment naming a deal we never started posts nothing.
A subscription invoice's collection that has completed is treated the same way: the
invoice in our id map says it is ours.

A payment the deal did receive before it completed is not posted again: the deal
applied it or held it itself. The relay knows from the entry (relayed before) or, while
Temporal still keeps the closed run, from its history. A run that was terminated or
failed may have stopped before it did either, so its payments are held here.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.outcomes import Ignored, Outcome, Posted
from quote2cash.billing.accounts import Accounts
from quote2cash.billing.journal import JournalEntry, overpayment_entry
from quote2cash.billing.money import Money
from quote2cash.chart.mapping import mapping_for
from quote2cash.messages import SIGNAL_PAYMENT, PaymentReceived, credit_journal_key
from quote2cash.store import InboxEntry, unit_of_work
from quote2cash.store.ledger import LedgerLineIn, LedgerRepository

if TYPE_CHECKING:
    from quote2cash.api.relay import Relay

SOURCE = "late-payment"
"""The ledger entry's source: posted by the relay, not by a deal."""
CASH_MEMO = "cash received after the deal closed"


def late_credit_entry(
    workflow_id: str, deal_id: str, payment: PaymentReceived, accounts: Accounts
) -> JournalEntry:
    """The whole payment as the customer's unapplied credit, in the payment's currency."""
    return overpayment_entry(
        key=credit_journal_key(workflow_id, payment.payment_id),
        amount=Money.of(payment.amount, payment.currency),
        received_on=payment.received_on,
        memo=f"payment {payment.payment_id} of {payment.amount} {payment.currency} arrived "
        f"after deal {deal_id} closed; held for the customer until refunded or applied by hand",
        cash_memo=CASH_MEMO,
        accounts=accounts,
    )


async def payment_after_close(
    relay: Relay,
    entry: InboxEntry,
    handle: WorkflowHandle[Any, Any],
    deal_id: str,
    payment: PaymentReceived,
    *,
    ours: bool = False,
) -> Outcome:
    """What to do with a payment whose deal workflow refused the signal (not running).
    ``ours``: the workflow is known to be ours without the deal-run record (a
    subscription invoice's collection, found through the invoice in our id map)."""
    paid = f"payment {payment.payment_id} of {payment.amount} {payment.currency}"
    if not ours and await asyncio.to_thread(relay.deal_started, handle.id) is None:
        return Ignored(
            f"{paid} names deal {deal_id}, but we never started deal {handle.id}: "
            "refund it or correct the payment's metadata"
        )
    status = await _closed_status(handle)
    reached = entry.relayed_at is not None or (
        status is not None and await _received_by_deal(relay, handle, payment.payment_id)
    )
    # Only a run that completed is known to have applied or held what it received: a
    # terminated or failed one may have stopped before it did.
    if reached and status in (None, WorkflowExecutionStatus.COMPLETED):
        return Ignored(
            f"{paid} reached deal {handle.id} before it closed: the deal applied it or "
            "held it as credit (see its journals)"
        )
    journal = late_credit_entry(handle.id, deal_id, payment, mapping_for(relay.settings).accounts)
    posted = await asyncio.to_thread(_post, relay, deal_id, journal)
    return Posted(
        f"deal {handle.id} is no longer running: {paid} held as customer credit, journal "
        f"{journal.key} ({'posted' if posted else 'already posted'}); "
        "refund it or apply it by hand"
    )


async def _closed_status(handle: WorkflowHandle[Any, Any]) -> WorkflowExecutionStatus | None:
    """How the deal's last run ended, or None once Temporal has forgotten it."""
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return description.status


async def _received_by_deal(
    relay: Relay, handle: WorkflowHandle[Any, Any], payment_id: str
) -> bool:
    """Whether the closed run's history holds this payment's signal (False once forgotten)."""
    try:
        history = await handle.fetch_history()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return False
        raise
    converter = (await relay.gateway.client()).data_converter
    for event in history.events:
        if not event.HasField("workflow_execution_signaled_event_attributes"):
            continue
        signaled = event.workflow_execution_signaled_event_attributes
        if signaled.signal_name != SIGNAL_PAYMENT:
            continue
        [received] = await converter.decode(signaled.input.payloads, [PaymentReceived])
        if received.payment_id == payment_id:
            return True
    return False


def _post(relay: Relay, deal_id: str, journal: JournalEntry) -> bool:
    with unit_of_work(relay.engine) as session:
        return LedgerRepository(session).post(
            journal.key,
            deal_id=deal_id,
            currency=journal.currency,
            entry_date=journal.entry_date,
            description=journal.description,
            source=SOURCE,
            lines=[
                LedgerLineIn(line.account, line.debit, line.credit, line.memo)
                for line in journal.lines
            ],
        )
