"""The search attributes an on-call engineer filters deals by.

Their own module, free of I/O, so workflows can set them without importing the Temporal
client helpers of ``quote2cash.temporal`` (which re-exports them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from temporalio.common import SearchAttributeKey

SA_DEAL_ID = SearchAttributeKey.for_keyword("Q2cDealId")
SA_STAGE = SearchAttributeKey.for_keyword("Q2cStage")
SA_CUSTOMER_ID = SearchAttributeKey.for_keyword("Q2cCustomerId")
SA_INVOICE_NUMBER = SearchAttributeKey.for_keyword("Q2cInvoiceNumber")
SA_AMOUNT = SearchAttributeKey.for_float("Q2cAmount")
SA_CURRENCY = SearchAttributeKey.for_keyword("Q2cCurrency")
SA_ATTENTION = SearchAttributeKey.for_keyword("Q2cAttention")

SEARCH_ATTRIBUTES: Sequence[SearchAttributeKey[Any]] = (
    SA_DEAL_ID,
    SA_STAGE,
    SA_CUSTOMER_ID,
    SA_INVOICE_NUMBER,
    SA_AMOUNT,
    SA_CURRENCY,
    SA_ATTENTION,
)
