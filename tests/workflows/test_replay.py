"""Recorded histories replay against today's workflow code: a change that alters what
a running deal would do fails here, before it reaches a worker with live deals.

Record anew (after a deliberate, ``workflow.patched`` change) with
``Q2C_RECORD_HISTORIES=1 make test PYTEST_ARGS=tests/e2e``. Paths recorded by a workflow
test write their own file under the same variable: test_overpayment.py and
test_corrections.py on the dev server, test_split_dunning.py, test_split_collects.py,
test_collection.py, test_subscription.py (an immediate cancellation, and one at the end
of its term), test_subscription_credit.py (its credit allocated to the unpaid invoice),
test_write_off.py (an approved write-off) and test_refund.py (a compensated refund) on the
time-skipping server (their reminders and deliveries are weeks apart; their
histories replay the same).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from quote2cash.temporal import data_converter
from workers.main import WORKFLOWS
from workers.sandbox import WORKFLOW_RUNNER

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=data_converter(b"\x00" * 32),
        # The worker's own sandbox: what replays here runs in production.
        workflow_runner=WORKFLOW_RUNNER,
    )
    await replayer.replay_workflow(history)


def test_there_is_a_history_for_each_workflow_type() -> None:
    """Every workflow the worker runs, by its class name in snake case."""
    recorded = {p.stem.split("_v")[0] for p in HISTORIES}
    types = {re.sub(r"(?<!^)(?=[A-Z])", "_", w.__name__).lower() for w in WORKFLOWS}
    assert "deal_workflow" in types
    assert sorted(types - recorded) == []
