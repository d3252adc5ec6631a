from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from quote2cash.store import InboxRepository, InboxStatus, unit_of_work

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _record(engine: Engine, key: str = "hubspot:1", body: bytes = b'{"a": 1}') -> tuple[int, bool]:
    with unit_of_work(engine) as session:
        entry, is_new = InboxRepository(session).record(
            "hubspot", key, {"x-h": "v"}, body, kind="deal.propertyChange", now=T0
        )
        assert entry.id is not None
        return entry.id, is_new


def test_record_stores_once_and_counts_duplicates(engine: Engine) -> None:
    first, is_new = _record(engine)
    again, is_new_again = _record(engine)
    assert (is_new, is_new_again) == (True, False)
    assert first == again
    with unit_of_work(engine) as session:
        entry = InboxRepository(session).get(str(first))
        assert entry is not None
        assert entry.duplicates == 1
        assert entry.status == InboxStatus.PENDING
        assert entry.headers == {"x-h": "v"}
        assert entry.received_at == T0
        assert InboxRepository(session).get("not-a-number") is None


def test_raw_body_is_kept_byte_for_byte(engine: Engine) -> None:
    raw = b"\xff\xfe not utf-8 {"
    entry_id, _ = _record(engine, body=raw)
    with unit_of_work(engine) as session:
        entry = InboxRepository(session).get(entry_id)
        assert entry is not None
        assert entry.body == raw


def test_relay_lifecycle(engine: Engine) -> None:
    entry_id, _ = _record(engine)
    lease = timedelta(seconds=30)
    with unit_of_work(engine) as session:
        inbox = InboxRepository(session)
        assert [e.id for e in inbox.pending(now=T0)] == [entry_id]
        assert inbox.claim(entry_id, now=T0, lease=lease)
        assert not inbox.claim(entry_id, now=T0, lease=lease), "claimed twice"
        assert inbox.pending(now=T0) == []
        inbox.mark_failed(entry_id, "temporal down", retry_at=T0 + timedelta(seconds=5), now=T0)
        assert inbox.pending(now=T0) == []
        assert [e.id for e in inbox.pending(now=T0 + timedelta(seconds=5))] == [entry_id]
        inbox.mark_relayed(entry_id, now=T0 + timedelta(seconds=6))
        entry = inbox.get(entry_id)
        assert entry is not None
        assert (entry.status, entry.attempts) == (InboxStatus.RELAYED, 1)
        assert entry.relayed_at == T0 + timedelta(seconds=6)
        assert inbox.pending(now=T0 + timedelta(days=1)) == []
        inbox.requeue(entry_id)
        assert [e.id for e in inbox.pending()] == [entry_id]


def test_defer_ignore_and_list(engine: Engine) -> None:
    a, _ = _record(engine, "xero:a")
    b, _ = _record(engine, "xero:b")
    with unit_of_work(engine) as session:
        inbox = InboxRepository(session)
        inbox.defer(a, "unknown invoice", until=T0 + timedelta(minutes=1), now=T0)
        inbox.mark_ignored(b, "not a closed-won deal", now=T0)
        inbox.record("hubspot", "rejected:1", {}, "{", InboxStatus.REJECTED, "bad signature")
    with unit_of_work(engine) as session:
        inbox = InboxRepository(session)
        assert inbox.pending(now=T0) == []
        assert [e.id for e in inbox.pending(now=T0 + timedelta(minutes=1))] == [a]
        ignored = inbox.list(status=InboxStatus.IGNORED)
        assert [(e.id, e.error) for e in ignored] == [(b, "not a closed-won deal")]
        assert inbox.list(limit=2)[0].id == b + 1
        assert len(inbox.list(source="hubspot")) == 3
        assert inbox.counts() == {"pending": 1, "ignored": 1, "rejected": 1}
