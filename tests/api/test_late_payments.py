"""A payment whose deal is no longer running: held as credit in our ledger, exactly once;
never posted for a deal we never started, nor again for one the deal itself received.

Real HTTP against the real API app and relay, a real Temporal dev server running the
stub deal (which completes on provisioning), SQLite or Q2C_TEST_DATABASE_URL.
"""

from __future__ import annotations

from decimal import Decimal

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.messages import deal_workflow_id
from quote2cash.store import InboxEntry, InboxStatus, unit_of_work
from quote2cash.store.ledger import LedgerRepository, PostedEntry
from tests.api.helpers import entries, our_invoice, settled
from tests.api.support import Api, eventually, new_deal_id, won_event
from tests.api.test_payments import _event, _send


async def _start(api: Api, deal: str) -> None:
    [entry_id] = (await api.hubspot([won_event(deal)])).json()["inbox_ids"]
    assert (await eventually(lambda: settled(api, entry_id))).status == InboxStatus.RELAYED
    our_invoice(api, deal)


async def _complete(api: Api, env: WorkflowEnvironment, deal: str) -> None:
    confirm = {"deal_id": deal, "confirmation_id": "c-1", "confirmed_by": "ops"}
    assert (await api.ops("POST", "/provisioning/confirm", json=confirm)).status_code == 202
    handle = env.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    assert await handle.result() == deal


async def _pay(api: Api, event: dict[str, object]) -> InboxEntry:
    response = await _send(api, event)
    assert response.status_code == 202
    [entry_id] = response.json()["inbox_ids"]
    done: InboxEntry = await eventually(lambda: settled(api, entry_id))
    return done


async def _replay(api: Api, entry_id: int) -> InboxEntry:
    assert (await api.ops("POST", f"/inbox/{entry_id}/replay")).status_code == 202
    done: InboxEntry = await eventually(lambda: settled(api, entry_id))
    return done


def _ledger(api: Api, deal: str) -> list[PostedEntry]:
    with unit_of_work(api.app.state.q2c.engine) as session:
        return LedgerRepository(session).entries(deal)


async def test_payment_after_the_deal_closed_is_held_as_credit_once(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    await _start(api, deal)
    await _complete(api, temporal_dev, deal)

    late = await _pay(api, _event(deal))
    key = f"deal:hubspot:{deal}:journal:credit:pi_{deal}"
    assert late.status == InboxStatus.POSTED
    assert f"payment pi_{deal} of 120.50 GBP held as customer credit" in (late.error or "")
    assert f"journal {key} (posted)" in (late.error or "")
    [credit] = _ledger(api, deal)
    assert (credit.entry_key, credit.currency, credit.source) == (key, "GBP", "late-payment")
    assert [(x.account, x.debit, x.credit) for x in credit.lines] == [
        ("090", Decimal("120.50"), Decimal(0)),
        ("CUSTCREDIT", Decimal(0), Decimal("120.50")),
    ]
    assert f"arrived after deal {deal} closed" in credit.lines[1].memo
    assert credit.lines[0].memo == "cash received after the deal closed"

    # An operator replays it: the same key, so still one journal.
    assert late.id is not None
    again = await _replay(api, late.id)
    assert again.status == InboxStatus.POSTED
    assert f"journal {key} (already posted)" in (again.error or "")
    assert [e.entry_key for e in _ledger(api, deal)] == [key]


async def test_payment_for_a_deal_we_never_started_posts_nothing(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    stray = await _pay(api, _event(deal))
    assert stray.status == InboxStatus.HELD  # names an invoice that is not ours
    assert _ledger(api, deal) == []
    our_invoice(api, deal)  # an invoice we know of, for a deal that never ran
    assert stray.id is not None
    stray = await _replay(api, stray.id)
    assert stray.status == InboxStatus.IGNORED
    assert (
        f"names deal {deal}, but we never started deal deal:hubspot:{deal}: "
        "refund it or correct the payment's metadata"
    ) in (stray.error or "")
    assert _ledger(api, deal) == []


async def test_payment_the_deal_received_before_it_closed_is_not_posted_again(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    await _start(api, deal)
    first = await _pay(api, _event(deal))
    assert first.status == InboxStatus.RELAYED
    await _complete(api, temporal_dev, deal)

    # Replayed by an operator after the deal closed: it was handed over before.
    assert first.id is not None
    replayed = await _replay(api, first.id)
    # The same payment's other event (charge.succeeded) is stored as its duplicate; an
    # operator who replays it anyway finds the payment in the closed run's history.
    charge = _event(deal, kind="charge.succeeded")
    assert (await _send(api, charge)).json()["duplicates"] == 1
    [duplicate] = [
        e for e in entries(api, status=InboxStatus.IGNORED) if charge["id"] in e.body_text
    ]
    assert duplicate.id is not None
    other = await _replay(api, duplicate.id)
    for late in (replayed, other):
        assert late.status == InboxStatus.IGNORED
        assert f"reached deal deal:hubspot:{deal} before it closed" in (late.error or "")
    assert _ledger(api, deal) == []


async def test_payment_received_by_a_deal_that_was_terminated_is_held(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    """A run that did not complete may have stopped before it applied or held the
    payment: replayed after the termination, the payment is held here, once."""
    deal = new_deal_id()
    await _start(api, deal)
    first = await _pay(api, _event(deal))
    assert first.status == InboxStatus.RELAYED
    handle = temporal_dev.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    await handle.terminate("stopped by an operator before it posted")

    assert first.id is not None
    replayed = await _replay(api, first.id)
    assert replayed.status == InboxStatus.POSTED
    key = f"deal:hubspot:{deal}:journal:credit:pi_{deal}"
    assert [e.entry_key for e in _ledger(api, deal)] == [key]
