"""A completed deal is never re-run: not by a new won webhook, not by an operator replay,
not after our database forgot it (Temporal refuses), not after Temporal forgot it (our
id map refuses)."""

from __future__ import annotations

from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from quote2cash.messages import deal_workflow_id
from quote2cash.settings import Settings
from quote2cash.store import InboxStatus
from tests.api.helpers import entries, runs, settled
from tests.api.support import Api, eventually, new_deal_id, running_api, won_event


async def _complete_deal(api: Api, env: WorkflowEnvironment, deal: str) -> int:
    first = await api.hubspot([won_event(deal)])
    [entry_id] = first.json()["inbox_ids"]
    await eventually(lambda: settled(api, entry_id))
    confirm = {"deal_id": deal, "confirmation_id": "c-1", "confirmed_by": "ops"}
    assert (await api.ops("POST", "/provisioning/confirm", json=confirm)).status_code == 202
    handle = env.client.get_workflow_handle(deal_workflow_id("hubspot", deal))
    assert await handle.result() == deal
    return int(entry_id)


async def test_replayed_webhook_after_completion_starts_nothing(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    original = await _complete_deal(api, temporal_dev, deal)

    again = await api.hubspot([won_event(deal)])
    assert again.status_code == 202
    [late] = again.json()["inbox_ids"]
    ignored = await eventually(lambda: settled(api, late))
    assert ignored.status == InboxStatus.IGNORED
    assert "already started" in (ignored.error or "")

    replay = await api.ops("POST", f"/inbox/{original}/replay")
    assert replay.status_code == 202
    replayed = await eventually(lambda: settled(api, original))
    assert replayed.status == InboxStatus.IGNORED
    assert await runs(temporal_dev, deal) == 1


async def test_temporal_refuses_a_completed_deal_our_database_forgot(
    api: Api,
    temporal_dev: WorkflowEnvironment,
    stub_worker: Worker,
    settings: Settings,
    tmp_path: Path,
) -> None:
    deal = new_deal_id()
    await _complete_deal(api, temporal_dev, deal)
    # A second API on an empty database (restored from an old backup, say).
    blank = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'blank.db'}"})
    async with running_api(blank) as amnesiac:
        response = await amnesiac.hubspot([won_event(deal)])
        [entry_id] = response.json()["inbox_ids"]
        refused = await eventually(lambda: settled(amnesiac, entry_id))
    assert refused.status == InboxStatus.IGNORED
    assert "already closed" in (refused.error or "")
    assert await runs(temporal_dev, deal) == 1
    assert len(entries(api, status=InboxStatus.RELAYED)) == 2  # the start and the confirmation


async def test_actions_on_a_completed_deal_say_why_not_and_what_to_do(
    api: Api, temporal_dev: WorkflowEnvironment, stub_worker: Worker
) -> None:
    deal = new_deal_id()
    await _complete_deal(api, temporal_dev, deal)
    for action in ("retry", "correct", "write-off"):
        response = await api.ops("POST", f"/deals/hubspot/{deal}/{action}", json={"reason": "x"})
        assert response.status_code == 409, response.text
        answer = response.json()
        assert answer["error"] == "DealClosed"
        assert answer["detail"].startswith(f"deal {deal} completed on "), answer
        assert "its invoice INV-STUB is paid" in answer["detail"]
        assert answer["detail"].endswith(f"q2c deals refund {deal} --reason ..."), answer
        assert "no running workflow" not in answer["detail"]
