"""Relay: hand stored inbox entries to Temporal, at least once, without losing any.

Each entry is claimed (a lease in the inbox row), handed over, and its outcome written
back: ``relayed``; ``ignored`` with the reason (deal already processed, workflow gone,
invoice nobody created); ``posted`` with the reason (a payment after its deal closed,
held as credit in our ledger: see late_payments.py); still ``pending`` until a time (an
invoice id we may not know *yet*: the invoice activity writes the id map right after
Xero answers, and Xero's webhook can overtake it); or ``failed`` with a backoff when
Temporal is unreachable or answers an error. Failed entries are retried for ever with a
capped backoff, because nothing received may be lost; an operator sees them in
``GET /inbox?status=failed``.

Starting a deal cannot rely on Temporal alone to refuse a second run: a closed
workflow is deleted after the namespace's retention period, after which
``REJECT_DUPLICATE`` has nothing left to compare with. So the first start is also
recorded in our id map (``temporal``/``deal_run``), and a won webhook for a deal that
was started before is ignored, however late it is replayed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from temporalio.client import WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.errors import TemporalUnavailable
from quote2cash.api.gateway import TemporalGateway
from quote2cash.api.handoff import DEAL_RUN, HANDLERS
from quote2cash.api.outcomes import Deferred, Ignored, Outcome, Posted, Relayed
from quote2cash.settings import Settings
from quote2cash.store import IdMapRepository, InboxEntry, InboxRepository, unit_of_work
from quote2cash.store.idmap import owner_of

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class RelayPolicy:
    won_stages: frozenset[str] = frozenset({"closedwon"})
    poll_interval: float = 1.0
    batch_size: int = 100
    lease: timedelta = timedelta(seconds=60)
    backoff_base: timedelta = timedelta(seconds=1)
    backoff_max: timedelta = timedelta(minutes=5)
    unknown_invoice_grace: timedelta = timedelta(minutes=10)
    unknown_invoice_retry: timedelta = timedelta(seconds=5)
    rpc_timeout: timedelta = timedelta(seconds=10)

    def backoff(self, attempts: int) -> timedelta:
        """Exponential in the attempts made so far, capped, with ±20% jitter so a
        backlog does not hit a recovering Temporal in lockstep."""
        seconds = self.backoff_base.total_seconds() * 2 ** min(attempts, 30)
        capped = min(seconds, self.backoff_max.total_seconds())
        return timedelta(seconds=capped * random.uniform(0.8, 1.2))


def _unreachable(exc: Exception) -> bool:
    if isinstance(exc, TemporalUnavailable):
        return True
    unavailable = (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
    return isinstance(exc, RPCError) and exc.status in unavailable


class Relay:
    def __init__(
        self,
        *,
        engine: Engine,
        gateway: TemporalGateway,
        settings: Settings,
        policy: RelayPolicy,
        clock: Clock,
    ) -> None:
        self.engine = engine
        self.gateway = gateway
        self.settings = settings
        self.policy = policy
        self.clock = clock

    async def relay_ids(self, entry_ids: Iterable[int]) -> None:
        """The request's background attempt; whatever it cannot do, the loop will."""
        try:
            for entry_id in entry_ids:
                if not await self.relay_one(entry_id):
                    return
        except Exception:
            log.exception("background relay failed; the relay loop will retry")

    async def drain(self) -> int:
        """Relay the entries due now, oldest first; the number attempted.

        Stops at the first "Temporal unreachable": the rest would fail the same way,
        each after the client's own retries, and keep their place for the next pass."""
        due = await asyncio.to_thread(self._due)
        for attempted, entry_id in enumerate(due, start=1):
            if not await self.relay_one(entry_id):
                return attempted
        return len(due)

    async def run(self) -> None:
        """The relay loop: until cancelled, relay what is due, then sleep a little."""
        while True:
            try:
                await self.drain()
            except Exception:  # the loop must outlive a database hiccup
                log.exception("relay loop iteration failed; retrying")
            await asyncio.sleep(self.policy.poll_interval)

    async def relay_one(self, entry_id: int) -> bool:
        """Claim, hand over, record the outcome; False when Temporal was unreachable.
        Hand-over failures are recorded on the entry, not raised."""
        entry = await asyncio.to_thread(self._claim, entry_id)
        if entry is None:
            return True
        try:
            outcome = await self._hand_over(entry)
        except Exception as exc:
            log.warning("relay of inbox %s failed: %s", entry_id, exc, exc_info=True)
            await asyncio.to_thread(self._record_failure, entry, exc)
            return not _unreachable(exc)
        await asyncio.to_thread(self._record, entry, outcome)
        return True

    async def _hand_over(self, entry: InboxEntry) -> Outcome:
        handler = HANDLERS.get((entry.source, entry.kind))
        if handler is None:
            return Ignored(f"no relay for {entry.source} {entry.kind!r}")
        try:
            return await handler(self, entry)
        except WorkflowAlreadyStartedError:
            return Ignored("deal workflow already closed: a deal never runs twice")
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return Ignored(f"no running workflow (deal completed or unknown): {exc.message}")
            raise

    async def handle(self, workflow_id: str) -> WorkflowHandle[Any, Any]:
        client = await self.gateway.client()
        return client.get_workflow_handle(workflow_id)

    def deal_started(self, workflow_id: str) -> str | None:
        with unit_of_work(self.engine) as session:
            return IdMapRepository(session).get("temporal", DEAL_RUN, workflow_id)

    def remember_start(self, workflow_id: str, run_id: str) -> None:
        with unit_of_work(self.engine) as session:
            IdMapRepository(session).put("temporal", DEAL_RUN, workflow_id, run_id)

    def find_invoice_owner(self, invoice_id: str) -> str | None:
        with unit_of_work(self.engine) as session:
            key = IdMapRepository(session).find_ours("xero", "invoice", invoice_id)
        # A deal billed in parts maps its later invoices to ``<workflow id>#invoice:<n>``.
        return owner_of(key) if key is not None else None

    def _due(self) -> list[int]:
        with unit_of_work(self.engine) as session:
            entries = InboxRepository(session).pending(self.policy.batch_size, now=self.clock())
            return [e.id for e in entries if e.id is not None]

    def _claim(self, entry_id: int) -> InboxEntry | None:
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            if not inbox.claim(entry_id, now=self.clock(), lease=self.policy.lease):
                return None
            return inbox.get(entry_id)

    def _record(self, entry: InboxEntry, outcome: Outcome) -> None:
        assert entry.id is not None
        now = self.clock()
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            if isinstance(outcome, Relayed):
                inbox.mark_relayed(entry.id, now)
            elif isinstance(outcome, Ignored):
                inbox.mark_ignored(entry.id, outcome.reason, now=now)
            elif isinstance(outcome, Deferred):
                inbox.defer(entry.id, outcome.note, until=now + outcome.after, now=now)
            elif isinstance(outcome, Posted):
                inbox.mark_posted(entry.id, outcome.reason, now=now)

    def _record_failure(self, entry: InboxEntry, exc: Exception) -> None:
        assert entry.id is not None
        now = self.clock()
        error = str(exc) if isinstance(exc, TemporalUnavailable) else f"{type(exc).__name__}: {exc}"
        retry_at = now + self.policy.backoff(entry.attempts)
        with unit_of_work(self.engine) as session:
            InboxRepository(session).mark_failed(entry.id, error, retry_at=retry_at, now=now)
