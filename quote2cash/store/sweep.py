"""Sweep marks: the time up to which a sweep has looked, one row per sweep name."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from quote2cash.store.columns import utcnow
from quote2cash.store.models import SweepMark


class SweepMarkRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def swept_until(self, name: str) -> datetime | None:
        mark = self._s.get(SweepMark, name)
        return None if mark is None else mark.swept_until

    def advance(self, name: str, until: datetime) -> None:
        """Move the mark forward to ``until``, never back: an older sweep finishing after
        a newer one would otherwise widen the next window for nothing."""
        mark = self._s.exec(
            select(SweepMark).where(SweepMark.name == name).with_for_update()
        ).first()
        if mark is None:
            self._s.add(SweepMark(name=name, swept_until=until, updated_at=utcnow()))
        elif until > mark.swept_until:
            mark.swept_until, mark.updated_at = until, utcnow()
            self._s.add(mark)
