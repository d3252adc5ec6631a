"""The inbox: every inbound message, stored before it is acknowledged, and replayable.

A message goes ``pending`` → ``relayed`` | ``ignored``; a failed relay attempt makes it
``failed`` with a time for the next attempt. Messages refused at the door are stored as
``rejected`` with the reason and the raw body, and are never relayed.

Relayers ``claim`` an entry before handing it to Temporal: the claim is a lease written
to ``next_attempt_at`` with a conditional UPDATE, so two relayers (the request's
background task and the relay loop, or two API processes) do not work on one entry.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from quote2cash.store._sql import insert_or_ignore_key, row_values
from quote2cash.store.columns import utcnow
from quote2cash.store.models import RETRYABLE, InboxEntry, InboxStatus

_TABLE: sa.Table = InboxEntry.__table__  # type: ignore[attr-defined]
KEY_CHARS = 255
KIND_CHARS = 128


def fitted_key(dedupe_key: str) -> str:
    """The key as stored: one longer than its column (a vendor's oversized id) becomes
    its digest, which still deduplicates, instead of failing on PostgreSQL only."""
    if len(dedupe_key) <= KEY_CHARS:
        return dedupe_key
    return f"sha256:{hashlib.sha256(dedupe_key.encode()).hexdigest()}"


class InboxRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def record(
        self,
        source: str,
        dedupe_key: str,
        headers: Mapping[str, str],
        body: bytes | str,
        status: InboxStatus = InboxStatus.PENDING,
        error: str | None = None,
        *,
        kind: str = "",
        now: datetime | None = None,
    ) -> tuple[InboxEntry, bool]:
        """Store a message once per ``dedupe_key``; a duplicate is counted, not stored.

        Returns the stored entry and whether this call created it."""
        now = now or utcnow()
        dedupe_key, kind = fitted_key(dedupe_key), kind[:KIND_CHARS]
        raw = body.encode() if isinstance(body, str) else bytes(body)
        entry = InboxEntry(
            source=source,
            dedupe_key=dedupe_key,
            kind=kind,
            status=status,
            error=error,
            headers=dict(headers),
            body=raw,
            received_at=now,
            updated_at=now,
        )
        new_id = insert_or_ignore_key(self._s, _TABLE, row_values(entry, exclude={"id"}))
        if new_id is not None:
            # The row is exactly ``entry``: no need to read it back (the hot path).
            entry.id = new_id
            return entry, True
        self._s.exec(
            sa.update(_TABLE)
            .where(_TABLE.c.dedupe_key == dedupe_key)
            .values(duplicates=_TABLE.c.duplicates + 1)
        )
        stmt = select(InboxEntry).where(InboxEntry.dedupe_key == dedupe_key)
        stored = self._s.exec(stmt.execution_options(populate_existing=True)).one()
        return stored, False

    def get(self, entry_id: int | str) -> InboxEntry | None:
        """By id; ids cross the Temporal boundary as strings, hence ``int | str``."""
        try:
            key = int(entry_id)
        except ValueError:
            return None
        return self._s.get(InboxEntry, key)

    def by_key(self, dedupe_key: str) -> InboxEntry | None:
        stmt = select(InboxEntry).where(InboxEntry.dedupe_key == fitted_key(dedupe_key))
        return self._s.exec(stmt).first()

    def pending(
        self, limit: int = 100, *, now: datetime | None = None
    ) -> builtins.list[InboxEntry]:
        """Entries due for a relay attempt, oldest first."""
        now = now or utcnow()
        due = sa.or_(
            col(InboxEntry.next_attempt_at).is_(None), col(InboxEntry.next_attempt_at) <= now
        )
        stmt = (
            select(InboxEntry)
            .where(col(InboxEntry.status).in_(RETRYABLE), due)
            .order_by(col(InboxEntry.id))
            .limit(limit)
        )
        return builtins.list(self._s.exec(stmt).all())

    def claim(self, entry_id: int, *, now: datetime | None = None, lease: timedelta) -> bool:
        """Take the entry for ``lease`` if it is due and nobody holds it; True on success."""
        now = now or utcnow()
        t = _TABLE.c
        result = self._s.exec(
            sa.update(_TABLE)
            .where(
                t.id == entry_id,
                t.status.in_([s.value for s in RETRYABLE]),
                sa.or_(t.next_attempt_at.is_(None), t.next_attempt_at <= now),
            )
            .values(next_attempt_at=now + lease, updated_at=now)
        )
        return bool(result.rowcount == 1)

    def mark_relayed(self, entry_id: int, now: datetime | None = None) -> None:
        now = now or utcnow()
        values = {"relayed_at": now, "next_attempt_at": None, "error": None}
        self._set(entry_id, now, status=InboxStatus.RELAYED, **values)

    def mark_failed(
        self,
        entry_id: int,
        error: str,
        *,
        retry_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """A relay attempt failed; the relay loop tries again from ``retry_at``."""
        self._set(
            entry_id,
            now or utcnow(),
            status=InboxStatus.FAILED,
            error=error,
            next_attempt_at=retry_at,
            attempts=_TABLE.c.attempts + 1,
        )

    def defer(
        self, entry_id: int, note: str, *, until: datetime, now: datetime | None = None
    ) -> None:
        """Not relayable yet (e.g. an invoice id we do not know yet): stay pending."""
        self._set(
            entry_id,
            now or utcnow(),
            status=InboxStatus.PENDING,
            error=note,
            next_attempt_at=until,
            attempts=_TABLE.c.attempts + 1,
        )

    def mark_ignored(self, entry_id: int, reason: str, *, now: datetime | None = None) -> None:
        self._set(
            entry_id,
            now or utcnow(),
            status=InboxStatus.IGNORED,
            error=reason,
            next_attempt_at=None,
        )

    def mark_posted(self, entry_id: int, reason: str, *, now: datetime | None = None) -> None:
        """Handled without a workflow (a payment after its deal closed, held as credit in
        our ledger); ``reason`` names the journal."""
        self._set(
            entry_id,
            now or utcnow(),
            status=InboxStatus.POSTED,
            error=reason,
            next_attempt_at=None,
        )

    def mark_held(self, entry_id: int, reason: str, *, now: datetime | None = None) -> None:
        """A payment held for review (``held_payment``): not relayed, not posted."""
        self._set(
            entry_id,
            now or utcnow(),
            status=InboxStatus.HELD,
            error=reason,
            next_attempt_at=None,
        )

    def requeue(self, entry_id: int, *, now: datetime | None = None) -> None:
        """Make an entry due again now (operator replay)."""
        self._set(entry_id, now or utcnow(), status=InboxStatus.PENDING, next_attempt_at=None)

    def list(
        self,
        *,
        status: InboxStatus | None = None,
        source: str | None = None,
        limit: int = 100,
        before_id: int | None = None,
    ) -> builtins.list[InboxEntry]:
        """Newest first; page with ``before_id`` (the smallest id of the previous page)."""
        stmt = select(InboxEntry)
        if status is not None:
            stmt = stmt.where(InboxEntry.status == status)
        if source is not None:
            stmt = stmt.where(InboxEntry.source == source)
        if before_id is not None:
            stmt = stmt.where(col(InboxEntry.id) < before_id)
        stmt = stmt.order_by(col(InboxEntry.id).desc()).limit(limit)
        return builtins.list(self._s.exec(stmt).all())

    def counts(self) -> dict[str, int]:
        """Number of entries per status."""
        stmt = select(InboxEntry.status, sa.func.count()).group_by(InboxEntry.status)
        return {status: int(n) for status, n in self._s.exec(stmt).all()}

    def _set(self, entry_id: int, now: datetime, **values: object) -> None:
        # ORM-enabled UPDATE with "fetch": entries already loaded in this session see it.
        stmt = (
            sa.update(InboxEntry)
            .where(col(InboxEntry.id) == entry_id)
            .values(updated_at=now, **values)
            .execution_options(synchronize_session="fetch")
        )
        self._s.exec(stmt)
