"""Relay: hand stored inbox entries to Temporal, at least once, without losing any.

Each entry is claimed (a lease in the inbox row), handed over, and its outcome written
back: ``relayed``; ``ignored`` with the reason (deal already processed, workflow gone,
invoice nobody created); ``held`` for review (a payment naming an invoice that is not
its deal's, or none: recorded in ``held_payment``, not money in our ledger);
``posted`` with the reason (a payment after its deal closed, held as credit in our
ledger: see late_payments.py); still ``pending`` until a time (an
invoice id we may not know *yet*: the invoice activity writes the id map right after
Xero answers, and Xero's webhook can overtake it); or ``failed`` with a backoff when
Temporal is unreachable or answers an error. Failed entries are retried for ever with a
capped backoff, because nothing received may be lost; an operator sees them in
``GET /inbox?status=failed``.

Most entries are handed over one at a time. Kinds in ``handoff.BATCHED`` go together:
the due usage events of one subscription become one signal (up to ``batch_max``), so a
meter's batch of a thousand events costs the workflow one history event, not a thousand,
before and after an outage alike; all entries of such a unit share its outcome.

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
from sqlmodel import Session
from temporalio.client import WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from quote2cash.api.errors import TemporalUnavailable
from quote2cash.api.gateway import TemporalGateway
from quote2cash.api.handoff import BATCHED, HANDLERS
from quote2cash.api.outcomes import Deferred, Held, Ignored, Outcome, Posted, Relayed
from quote2cash.messages import subscription_workflow_id
from quote2cash.settings import Settings
from quote2cash.store import IdMapRepository, InboxEntry, InboxRepository, unit_of_work
from quote2cash.store.held_payments import HeldPaymentRepository
from quote2cash.store.idmap import DEAL_RUN, owner_of

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
    batch_max: int = 500
    """Most entries handed over together (usage events in one signal): well below
    Temporal's 2 MB payload limit."""

    def backoff(self, attempts: int) -> timedelta:
        """Exponential in the attempts made so far, capped, with ±20% jitter so a
        backlog does not hit a recovering Temporal in lockstep."""
        seconds = self.backoff_base.total_seconds() * 2 ** min(attempts, 30)
        capped = min(seconds, self.backoff_max.total_seconds())
        return timedelta(seconds=capped * random.uniform(0.8, 1.2))


def _hold(session: Session, entry_id: int, held: Held, now: datetime) -> None:
    HeldPaymentRepository(session).hold(
        inbox_id=entry_id,
        payment_id=held.payment_id,
        workflow_id=held.workflow_id,
        invoice_id=held.invoice_id,
        amount=held.amount,
        currency=held.currency,
        reason=held.reason,
        now=now,
    )


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
            for unit in await asyncio.to_thread(self._units, list(entry_ids)):
                if not await self.relay_unit(unit):
                    return
        except Exception:
            log.exception("background relay failed; the relay loop will retry")

    async def drain(self) -> int:
        """Relay the entries due now, oldest first; the number attempted.

        Stops at the first "Temporal unreachable": the rest would fail the same way,
        each after the client's own retries, and keep their place for the next pass."""
        attempted = 0
        for unit in await asyncio.to_thread(self._due):
            attempted += len(unit)
            if not await self.relay_unit(unit):
                break
        return attempted

    async def run(self) -> None:
        """The relay loop: until cancelled, relay what is due, then sleep a little."""
        while True:
            try:
                await self.drain()
            except Exception:  # the loop must outlive a database hiccup
                log.exception("relay loop iteration failed; retrying")
            await asyncio.sleep(self.policy.poll_interval)

    async def relay_one(self, entry_id: int) -> bool:
        return await self.relay_unit([entry_id])

    async def relay_unit(self, entry_ids: list[int]) -> bool:
        """Claim, hand over together, record the outcome on each; False when Temporal
        was unreachable. Hand-over failures are recorded on the entries, not raised."""
        entries = await asyncio.to_thread(self._claim, entry_ids)
        if not entries:
            return True
        try:
            outcome = await self._hand_over(entries)
        except Exception as exc:
            log.warning("relay of inbox %s failed: %s", entry_ids, exc, exc_info=True)
            await asyncio.to_thread(self._record_failure, entries, exc)
            return not _unreachable(exc)
        await asyncio.to_thread(self._record, entries, outcome)
        return True

    async def _hand_over(self, entries: list[InboxEntry]) -> Outcome:
        kind = (entries[0].source, entries[0].kind)
        batched, handler = BATCHED.get(kind), HANDLERS.get(kind)
        try:
            if batched is not None:
                return await batched.handler(self, entries)
            if handler is None:
                return Ignored(f"no relay for {kind[0]} {kind[1]!r}")
            return await handler(self, entries[0])
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

    def collection_of(self, invoice_id: str) -> str | None:
        """The CollectionWorkflow of a subscription's invoice (its id-map key), or None
        when the invoice is a deal's or not ours."""
        owner = self.find_invoice_owner(invoice_id)
        prefix = subscription_workflow_id("")
        return owner if owner is not None and owner.startswith(prefix) else None

    def _units(self, entry_ids: list[int]) -> list[list[int]]:
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            found = [inbox.get(i) for i in entry_ids]
            return self._group([e for e in found if e is not None])

    def _due(self) -> list[list[int]]:
        with unit_of_work(self.engine) as session:
            entries = InboxRepository(session).pending(self.policy.batch_size, now=self.clock())
            return self._group(entries)

    def _group(self, entries: list[InboxEntry]) -> list[list[int]]:
        """Units of work in the order of their first entry: one entry each, except kinds
        relayed together, grouped (usage: by subscription) up to ``batch_max``."""
        units: list[list[int]] = []
        open_units: dict[tuple[str, str, str], list[int]] = {}
        for entry in entries:
            assert entry.id is not None
            key = self._batch_key(entry)
            unit = open_units.get(key) if key is not None else None
            if unit is None or len(unit) >= self.policy.batch_max:
                unit = []
                units.append(unit)
                if key is not None:
                    open_units[key] = unit
            unit.append(entry.id)
        return units

    @staticmethod
    def _batch_key(entry: InboxEntry) -> tuple[str, str, str] | None:
        batched = BATCHED.get((entry.source, entry.kind))
        if batched is None:
            return None
        try:
            return (entry.source, entry.kind, batched.group(entry))
        except ValueError:  # an unreadable body goes alone: its failure is its own
            return None

    def _claim(self, entry_ids: list[int]) -> list[InboxEntry]:
        """The entries this relayer could take (due, and not held by another)."""
        claimed = []
        now = self.clock()
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            for entry_id in entry_ids:
                if inbox.claim(entry_id, now=now, lease=self.policy.lease):
                    entry = inbox.get(entry_id)
                    if entry is not None:
                        claimed.append(entry)
        return claimed

    def _record(self, entries: list[InboxEntry], outcome: Outcome) -> None:
        now = self.clock()
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            for entry in entries:
                assert entry.id is not None
                if isinstance(outcome, Relayed):
                    inbox.mark_relayed(entry.id, now)
                elif isinstance(outcome, Ignored):
                    inbox.mark_ignored(entry.id, outcome.reason, now=now)
                elif isinstance(outcome, Deferred):
                    inbox.defer(entry.id, outcome.note, until=now + outcome.after, now=now)
                elif isinstance(outcome, Posted):
                    inbox.mark_posted(entry.id, outcome.reason, now=now)
                if isinstance(outcome, Held):
                    inbox.mark_held(entry.id, outcome.reason, now=now)
                    _hold(session, entry.id, outcome, now)
                elif entry.source == "payments" and not isinstance(outcome, Deferred):
                    # Replayed once its invoice is known: handled, no longer held.
                    HeldPaymentRepository(session).release(entry.id)

    def _record_failure(self, entries: list[InboxEntry], exc: Exception) -> None:
        now = self.clock()
        error = str(exc) if isinstance(exc, TemporalUnavailable) else f"{type(exc).__name__}: {exc}"
        with unit_of_work(self.engine) as session:
            inbox = InboxRepository(session)
            for entry in entries:
                assert entry.id is not None
                retry_at = now + self.policy.backoff(entry.attempts)
                inbox.mark_failed(entry.id, error, retry_at=retry_at, now=now)
