"""Accounts a default chart lacks and the mapping needs, created on request.

No default Xero chart has a bad-debts account: a user adds one in *Settings -> Chart of
accounts*, or lets ``q2c connect mapping --create-missing`` add it through the API, as
the embedded stack does. An account already under the code is kept only if it is of
the right kind.
"""

from __future__ import annotations

from quote2cash.chart.presets import EntityMapping
from quote2cash.connectors.xero import XeroAccount, XeroAccountIn, XeroClient


def bad_debts_account(mapping: EntityMapping) -> XeroAccountIn:
    """The organisation's bad-debts account as we create it: an expense, no tax."""
    return XeroAccountIn(
        code=mapping.accounts.bad_debts,
        name="Bad Debts",
        type="EXPENSE",
        tax_type=mapping.no_tax,
        description="Invoices written off as uncollectable (quote2cash write-offs)",
    )


class AccountMismatch(RuntimeError):
    """The chart has the code, but not as the account we need."""


async def ensure_bad_debts_account(xero: XeroClient, mapping: EntityMapping) -> XeroAccount:
    """The expense account write-offs credit (``Accounts.bad_debts``), created once.

    Xero's default chart has none: a user adds it in Settings → Chart of accounts; this
    does the same through the API. An account already under the code is kept if it is
    an expense account, and refused otherwise (a write-off must not land in, say, a bank
    account)."""
    wanted = bad_debts_account(mapping)
    found = await xero.find_account(code=wanted.code)
    if found is None:
        found = await xero.create_account(wanted, idempotency_key=f"setup:account:{wanted.code}")
    if found.class_ != "EXPENSE":
        raise AccountMismatch(
            f"Xero account {found.code} ({found.name}) is a {found.type} account; write-offs "
            f"need an expense account under that code: change it in Xero's chart of accounts"
        )
    return found
