from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import Engine

from quote2cash.store import InvoiceNumberRepository, make_engine, unit_of_work


def _allocate(engine: Engine, key: str, entity: str = "acme") -> str:
    with unit_of_work(engine) as session:
        return InvoiceNumberRepository(session).allocate(entity, key, "INV-")


def test_numbers_are_sequential_and_idempotent_per_key(engine: Engine) -> None:
    assert _allocate(engine, "deal:1:invoice:v1") == "INV-000001"
    assert _allocate(engine, "deal:2:invoice:v1") == "INV-000002"
    assert _allocate(engine, "deal:1:invoice:v1") == "INV-000001"
    assert _allocate(engine, "deal:3:invoice:v1") == "INV-000003"


def test_each_entity_has_its_own_sequence(engine: Engine) -> None:
    assert _allocate(engine, "k1", entity="acme") == "INV-000001"
    assert _allocate(engine, "k1", entity="acme-uk") == "INV-000001"
    assert _allocate(engine, "k2", entity="acme-uk") == "INV-000002"


def test_a_number_committed_before_a_failed_vendor_call_is_never_reused(engine: Engine) -> None:
    # As create_invoice does it: the number is allocated and committed in its own unit of
    # work, then Xero is called. When that call fails, the number is already committed:
    # the promise is that it is never handed to another document, that the activity's
    # retry (same business key) gets it back, and that it stays listed against its key,
    # so a document never created shows as a numbered key, not as a silent gap.
    assert _allocate(engine, "deal:1:invoice:v1") == "INV-000001"
    assert _allocate(engine, "deal:2:invoice:v1") == "INV-000002"  # then Xero fails

    assert _allocate(engine, "deal:3:invoice:v1") == "INV-000003"
    assert _allocate(engine, "deal:2:invoice:v1") == "INV-000002"  # the retry
    with unit_of_work(engine) as session:
        repo = InvoiceNumberRepository(session)
        assert repo.numbers("acme") == ["INV-000001", "INV-000002", "INV-000003"]
        assert repo.find("acme", "deal:2:invoice:v1") == "INV-000002"


def test_a_rolled_back_allocation_returns_its_number(engine: Engine) -> None:
    # Only when the allocation's own transaction rolls back (the counter and the number
    # move together) is the number given to the next key.
    assert _allocate(engine, "first") == "INV-000001"

    def allocate_then_fail() -> None:
        with unit_of_work(engine) as session:
            InvoiceNumberRepository(session).allocate("acme", "doomed", "INV-")
            raise RuntimeError("failed before the commit")

    with pytest.raises(RuntimeError):
        allocate_then_fail()
    assert _allocate(engine, "second") == "INV-000002"
    with unit_of_work(engine) as session:
        assert InvoiceNumberRepository(session).find("acme", "doomed") is None


def test_concurrent_allocation_is_gapless_without_duplicates(
    engine: Engine, database_url: str
) -> None:
    keys = [f"deal:{i}:invoice:v1" for i in range(30)]
    # Every key is asked for twice, by different threads (retries racing each other),
    # through two engines: two connection pools, as a worker and the API would have.
    work = [k for pair in zip(keys, keys, strict=True) for k in pair]
    other = make_engine(database_url)

    def run(job: tuple[int, str]) -> tuple[str, str]:
        n, key = job
        return key, _allocate(engine if n % 2 else other, key)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(run, enumerate(work)))
    finally:
        other.dispose()

    by_key: dict[str, set[str]] = {}
    for key, number in results:
        by_key.setdefault(key, set()).add(number)
    assert all(len(numbers) == 1 for numbers in by_key.values()), "a key got two numbers"
    numbers = sorted(n for ns in by_key.values() for n in ns)
    assert numbers == [f"INV-{i:06d}" for i in range(1, len(keys) + 1)]
    with unit_of_work(engine) as session:
        assert InvoiceNumberRepository(session).numbers("acme") == numbers
