"""Append-only audit trail: who did what to which subject, with the evidence."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from quote2cash.store.columns import utcnow
from quote2cash.store.models import AuditEvent


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self._s = session

    def append(
        self,
        actor: str,
        action: str,
        subject: str,
        detail: dict[str, Any],
        *,
        now: datetime | None = None,
    ) -> AuditEvent:
        """``detail`` must be JSON-serialisable (amounts as strings, not floats)."""
        event = AuditEvent(actor=actor, action=action, subject=subject, detail=detail)
        event.at = now or utcnow()
        self._s.add(event)
        self._s.flush()
        return event

    def list(self, subject: str, *, limit: int = 1000) -> builtins.list[AuditEvent]:
        """Events of one subject, oldest first."""
        stmt = select(AuditEvent).where(AuditEvent.subject == subject)
        return builtins.list(self._s.exec(stmt.order_by(col(AuditEvent.id)).limit(limit)).all())
