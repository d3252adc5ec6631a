"""The chart of accounts the journal builder posts to.

Defaults are the codes of Xero's default chart, so that our ledger and the accounting
system speak of the same accounts without a mapping table.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Accounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    receivable: str = "610"
    revenue: str = "200"
    deferred_revenue: str = "835"
    tax_payable: str = "820"
    cash: str = "090"
    processor_fees: str = "404"
    fx_gain_loss: str = "498"
    # Xero's default chart has no bad-debt account: set the code of the one you create.
    bad_debts: str = "BADDEBT"
    # Money received above what was due: owed back to the customer (a liability) until
    # it is refunded or applied to a later invoice. Ours only; Xero keeps overpayments.
    customer_credit: str = "CUSTCREDIT"


DEFAULT_ACCOUNTS = Accounts()
