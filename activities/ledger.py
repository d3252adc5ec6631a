"""Ledger activity: record the deal's balanced journal entries in our ledger, once each."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.deps import Deps
from activities.models import PostingRequest, PostingResult
from quote2cash.error_types import LEDGER_CONFLICT
from quote2cash.store.db import unit_of_work
from quote2cash.store.errors import LedgerConflict
from quote2cash.store.ledger import LedgerLineIn, LedgerRepository


class LedgerActivities:
    def __init__(self, deps: Deps) -> None:
        self._engine = deps.engine

    @activity.defn
    async def post_entries(self, request: PostingRequest) -> PostingResult:
        """``LedgerConflict`` is permanent: the same key with other lines means two
        computations disagree, and retrying cannot settle which is right."""
        try:
            return await asyncio.to_thread(self._post, request)
        except LedgerConflict as exc:
            raise ApplicationError(str(exc), type=LEDGER_CONFLICT, non_retryable=True) from exc

    def _post(self, request: PostingRequest) -> PostingResult:
        # One transaction: either every entry of the deal is recorded or none is.
        posted = 0
        with unit_of_work(self._engine) as session:
            ledger = LedgerRepository(session)
            for entry in request.entries:
                posted += ledger.post(
                    entry.key,
                    deal_id=request.deal_id,
                    currency=entry.currency,
                    entry_date=entry.entry_date,
                    description=entry.description,
                    source="deal",
                    lines=[
                        LedgerLineIn(
                            account=line.account,
                            debit=line.debit,
                            credit=line.credit,
                            memo=line.memo,
                        )
                        for line in entry.lines
                    ],
                )
        return PostingResult(posted=posted, already_posted=len(request.entries) - posted)
