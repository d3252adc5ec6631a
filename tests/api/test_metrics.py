"""``GET /metrics``: parked deals by reason, inbox, ledger and dependencies, scraped over
real HTTP with the ops token, as Prometheus would."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import Counter
from decimal import Decimal

from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from quote2cash.api.board import Board
from quote2cash.api.metrics import CONTENT_TYPE, render
from quote2cash.temporal import SA_ATTENTION, SA_STAGE
from tests.api.support import Api

SAMPLE = re.compile(r'^(q2c_[a-z_]+)\{(\w+)="((?:[^"\\]|\\.)*)"\} (-?[0-9.]+)$')


def _samples(text: str) -> dict[tuple[str, str], str]:
    """{(metric, label value): value}; every line must be a comment or a valid sample."""
    found = {}
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a Prometheus sample: {line!r}"
        found[(match[1], match[3])] = match[4]
    return found


async def test_metrics_count_parked_deals_by_reason(
    api: Api, temporal_dev: WorkflowEnvironment, task_queue: str
) -> None:
    reason = f"TestReason{uuid.uuid4().hex[:8]}"
    ids = [f"deal:hubspot:metrics-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for wf_id in ids:  # no worker: a parked deal only needs its search attributes
        await temporal_dev.client.start_workflow(
            "DealWorkflow",
            id=wf_id,
            task_queue=task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_STAGE, "needs_attention"),
                    SearchAttributePair(SA_ATTENTION, reason),
                ]
            ),
        )
    try:
        for _ in range(50):  # visibility is eventually consistent
            response = await api.ops("GET", "/metrics")
            samples = _samples(response.text)
            if samples.get(("q2c_needs_attention", reason)) == "2":
                break
            await asyncio.sleep(0.1)
    finally:
        for wf_id in ids:
            await temporal_dev.client.get_workflow_handle(wf_id).terminate("test done")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE
    assert samples[("q2c_needs_attention", reason)] == "2"
    assert samples[("q2c_up", "database")] == "1"
    assert samples[("q2c_up", "temporal")] == "1"
    assert int(samples[("q2c_workflows", "needs_attention")]) >= 2
    # Terminated deals are no longer waiting for anyone: they leave the alert.
    for _ in range(50):
        after = _samples((await api.ops("GET", "/metrics")).text)
        if ("q2c_needs_attention", reason) not in after:
            break
        await asyncio.sleep(0.1)
    assert ("q2c_needs_attention", reason) not in after


async def test_metrics_need_the_ops_token(api: Api) -> None:
    anonymous = await api.http.get("/metrics")
    assert anonymous.status_code == 401
    assert "token" in anonymous.text.lower()


def test_render_reports_an_unbalanced_ledger_and_a_database_that_is_down() -> None:
    board = Board(
        database_error="OperationalError: connection refused",
        balances={"EUR": {"610": Decimal("10.00"), "200": Decimal("-9.99")}},
        parked_by_reason=Counter({'odd "reason"\\': 1}),
    )
    samples = _samples(render(board))
    assert samples[("q2c_up", "database")] == "0"
    assert samples[("q2c_ledger_imbalance", "EUR")] == "0.01"
    assert samples[("q2c_needs_attention", 'odd \\"reason\\"\\\\')] == "1"
