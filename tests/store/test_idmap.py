from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from quote2cash.store import IdMapConflict, IdMapRepository, unit_of_work
from quote2cash.store.idmap import invoice_key, owner_of


def test_put_get_and_reverse_lookup(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        IdMapRepository(session).put("xero", "invoice", "deal:hubspot:7", "inv-uuid-7")
    with unit_of_work(engine) as session:
        ids = IdMapRepository(session)
        assert ids.get("xero", "invoice", "deal:hubspot:7") == "inv-uuid-7"
        assert ids.find_ours("xero", "invoice", "inv-uuid-7") == "deal:hubspot:7"
        assert ids.get("xero", "contact", "deal:hubspot:7") is None
        assert ids.find_ours("xero", "invoice", "other") is None


def test_put_is_idempotent(engine: Engine) -> None:
    for _ in range(3):
        with unit_of_work(engine) as session:
            IdMapRepository(session).put("xero", "invoice", "k", "v")
    with unit_of_work(engine) as session:
        assert IdMapRepository(session).get("xero", "invoice", "k") == "v"


def test_conflicting_put_raises_and_keeps_the_first_mapping(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ids = IdMapRepository(session)
        ids.put("xero", "invoice", "k1", "v1")
        ids.put("xero", "invoice", "k2", "v2")
    with pytest.raises(IdMapConflict, match="already mapped"), unit_of_work(engine) as session:
        IdMapRepository(session).put("xero", "invoice", "k1", "other")
    with pytest.raises(IdMapConflict, match="already belongs"), unit_of_work(engine) as session:
        IdMapRepository(session).put("xero", "invoice", "k3", "v1")
    with unit_of_work(engine) as session:
        assert IdMapRepository(session).get("xero", "invoice", "k1") == "v1"
        assert IdMapRepository(session).get("xero", "invoice", "k3") is None


def test_invoice_keys_of_a_deal_billed_in_parts() -> None:
    wf = "deal:hubspot:7"
    assert invoice_key(wf, f"{wf}:invoice:1") == wf
    assert invoice_key(wf, f"{wf}:invoice:2") == f"{wf}#invoice:2"
    assert invoice_key("subscription:s-1:2", "subscription:s-1:2") == "subscription:s-1:2"
    assert owner_of(f"{wf}#invoice:2") == owner_of(wf) == wf
