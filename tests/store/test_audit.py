from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from quote2cash.store import AuditRepository, unit_of_work


def test_audit_trail_lists_a_subject_in_order(engine: Engine) -> None:
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    with unit_of_work(engine) as session:
        audit = AuditRepository(session)
        audit.append("alice", "approve", "deal:hubspot:1", {"discount": "0.15"}, now=at)
        audit.append("bob", "confirm", "deal:hubspot:1", {"note": "done"})
        audit.append("bob", "confirm", "deal:hubspot:2", {})
    with unit_of_work(engine) as session:
        events = AuditRepository(session).list("deal:hubspot:1")
    assert [(e.actor, e.action) for e in events] == [("alice", "approve"), ("bob", "confirm")]
    assert events[0].detail == {"discount": "0.15"}
    assert events[0].at == at
