"""A failed activity's log lines carry its ids and error type, never the vendor's message
(which names the customer): the SDK's own warning included."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.errors import vendor_errors
from quote2cash.connectors.errors import ValidationFailed
from quote2cash.devstack.seed import COMPANIES
from workers.logs import WithholdMessages, withhold_activity_messages

CUSTOMER = COMPANIES[1]["name"]  # a seeded customer: Contoso GmbH
MESSAGE = f"The contact name {CUSTOMER} is already assigned to another contact."


@activity.defn(name="test_refused_contact")
async def refused_contact(_: str) -> None:
    with vendor_errors():
        raise ValidationFailed("Xero", MESSAGE, messages=[MESSAGE])


@activity.defn(name="test_crashing_contact")
async def crashing_contact(_: str) -> None:
    raise RuntimeError(f"could not file {CUSTOMER}")


@workflow.defn(name="TestLoggedFailures")
class LoggedFailures:
    @workflow.run
    async def run(self, deal_id: str) -> list[str]:
        seen = []
        for step in (refused_contact, crashing_contact):
            try:
                await workflow.execute_activity(
                    step,
                    deal_id,
                    start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=RetryPolicy(maximum_attempts=2, initial_interval=timedelta(0)),
                )
            except ActivityError as failure:
                seen.append(type(failure.cause).__name__)
        return seen


async def test_failed_activities_log_types_and_ids_not_the_customer(
    temporal_dev: WorkflowEnvironment, task_queue: str, caplog: pytest.LogCaptureFixture
) -> None:
    withhold_activity_messages()
    caplog.set_level(logging.DEBUG, logger="temporalio")
    async with Worker(
        temporal_dev.client,
        task_queue=task_queue,
        workflows=[LoggedFailures],
        activities=[refused_contact, crashing_contact],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        seen = await temporal_dev.client.execute_workflow(
            LoggedFailures.run, "1012", id=f"deal:test:{task_queue}", task_queue=task_queue
        )
    assert seen == ["ApplicationError", "ApplicationError"]
    failures = [r for r in caplog.records if "Completing activity as failed" in r.getMessage()]
    assert len(failures) == 3  # one non-retryable refusal, two attempts of the crash
    assert CUSTOMER not in caplog.text
    assert "Xero.ValidationFailed (caused by ValidationFailed)" in caplog.text
    assert "RuntimeError" in caplog.text
    assert f"deal:test:{task_queue}" in caplog.text  # the ids the SDK appends stay


def test_sdk_lines_that_quote_the_error_keep_only_their_ids() -> None:
    record = logging.LogRecord(
        "temporalio.activity",
        logging.ERROR,
        __file__,
        1,
        "Exception handling failed, original error: %s ({'activity_id': '1'})",
        (MESSAGE,),
        None,
    )
    assert WithholdMessages().filter(record)
    assert record.getMessage() == (
        "Exception handling failed, original error: (message withheld) ({'activity_id': '1'})"
    )
