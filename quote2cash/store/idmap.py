"""Our business keys ↔ external ids (Xero invoice ids, HubSpot object ids, ...).

One to one per (system, kind): a key maps to one external id and back. ``put`` is
idempotent so an activity can write the mapping on every retry; a different mapping for
a key already taken is a bug worth stopping for (``IdMapConflict``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from quote2cash.store._sql import insert_or_ignore, row_values
from quote2cash.store.errors import IdMapConflict
from quote2cash.store.models import IdMapEntry

_TABLE: sa.Table = IdMapEntry.__table__  # type: ignore[attr-defined]
DEAL_RUN = "deal_run"
"""Id-map kind (system ``temporal``) of a deal's first run: a deal never runs twice."""
PART = "#"
"""Separates a workflow id from the part of it a key names: ``deal:hubspot:7#invoice:2``."""


def invoice_key(workflow_id: str, business_key: str) -> str:
    """Our key of an invoice: its workflow id, with ``#invoice:<n>`` from the second on.

    The first invoice of a workflow keeps the bare workflow id, as every invoice did
    before deals were billed in parts, so existing mappings still route their webhooks.
    """
    prefix = f"{workflow_id}:invoice:"
    n = business_key.removeprefix(prefix)
    if n == business_key or n == "1":
        return workflow_id
    return f"{workflow_id}{PART}invoice:{n}"


def owner_of(our_key: str) -> str:
    """The workflow id a key belongs to: the key without its ``#...`` part."""
    return our_key.split(PART, 1)[0]


class IdMapRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def get(self, system: str, kind: str, our_key: str) -> str | None:
        """Their id for our key, or None."""
        row = self._by_ours(system, kind, our_key)
        return row.their_id if row else None

    def find_ours(self, system: str, kind: str, their_id: str) -> str | None:
        """Our key for their id, or None."""
        row = self._by_theirs(system, kind, their_id)
        return row.our_key if row else None

    def mapped(self, system: str, kind: str) -> dict[str, str]:
        """Every mapping of one (system, kind), their id -> our key."""
        stmt = select(IdMapEntry).where(IdMapEntry.system == system, IdMapEntry.kind == kind)
        return {row.their_id: row.our_key for row in self._s.exec(stmt).all()}

    def put(self, system: str, kind: str, our_key: str, their_id: str) -> None:
        """Record the mapping; again with the same pair is a no-op."""
        entry = IdMapEntry(system=system, kind=kind, our_key=our_key, their_id=their_id)
        if insert_or_ignore(self._s, _TABLE, row_values(entry, exclude={"id"})):
            return
        # Lost to an existing row: fine if it says the same, a conflict otherwise.
        mine = self._by_ours(system, kind, our_key)
        if mine is not None and mine.their_id != their_id:
            raise IdMapConflict(
                f"{system}/{kind} key {our_key!r} is already mapped to {mine.their_id!r}, "
                f"not {their_id!r}"
            )
        theirs = self._by_theirs(system, kind, their_id)
        if theirs is not None and theirs.our_key != our_key:
            raise IdMapConflict(
                f"{system}/{kind} id {their_id!r} already belongs to key {theirs.our_key!r}, "
                f"not {our_key!r}"
            )

    def _by_ours(self, system: str, kind: str, our_key: str) -> IdMapEntry | None:
        stmt = select(IdMapEntry).where(
            IdMapEntry.system == system, IdMapEntry.kind == kind, IdMapEntry.our_key == our_key
        )
        return self._s.exec(stmt).first()

    def _by_theirs(self, system: str, kind: str, their_id: str) -> IdMapEntry | None:
        stmt = select(IdMapEntry).where(
            IdMapEntry.system == system, IdMapEntry.kind == kind, IdMapEntry.their_id == their_id
        )
        return self._s.exec(stmt).first()
