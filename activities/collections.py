"""Collection activity: start the CollectionWorkflow of an invoice a subscription created.

A subscription starts one per invoice through this activity rather than as a child
workflow: a child's completion would be written into the subscription's current run
(an event and a workflow task per invoice, in a run kept to one period's size), and the
collection must outlive the run anyway (continue-as-new, cancellation). Started once:
a retried attempt joins the running collection, and one that already completed is
not started again.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from quote2cash.messages import COLLECTION_WORKFLOW, CollectionStart


class CollectionActivities:
    @activity.defn
    async def start_collection(self, start: CollectionStart) -> str:
        """The run id of the invoice's collection; "" if it already ran to completion."""
        client = activity.client()
        try:
            handle = await client.start_workflow(
                COLLECTION_WORKFLOW,
                start,
                id=start.workflow_id,
                task_queue=activity.info().task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=f"collect and post invoice {start.invoice_number}",
            )
        except WorkflowAlreadyStartedError:
            activity.logger.info("invoice %s was collected already", start.invoice_number)
            return ""
        return handle.result_run_id or ""
