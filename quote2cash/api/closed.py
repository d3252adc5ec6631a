"""Why an action on a deal whose workflow has ended is refused, and what to do instead.

Temporal answers an Update to a closed workflow "no running workflow": true, and no
help to whoever typed ``q2c deals correct 1012``. The deal's last search attributes
(stage, invoice number) say what became of it and so what the next step is.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from quote2cash.api.errors import ApiError
from quote2cash.api.refunded import full_refund_completed
from quote2cash.search_attributes import SA_INVOICE_NUMBER, SA_STAGE


class DealClosed(ApiError):
    """409: the deal's workflow has ended; the detail says how it ended and what to do."""

    status_code = 409


def _command(workflow_id: str) -> tuple[str, str]:
    """``deal:<crm>:<id>`` as the deal id and the ``--crm`` option the CLI needs."""
    _, crm, deal_id = workflow_id.split(":", 2)
    return deal_id, "" if crm == "hubspot" else f" --crm {crm}"


async def closed_reason(client: Client, workflow_id: str, action: str) -> DealClosed | None:
    """The refusal of ``action`` on a closed deal workflow; None if it is not closed."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError:
        return None
    if described.status in (None, WorkflowExecutionStatus.RUNNING):
        return None
    deal_id, crm = _command(workflow_id)
    attributes = described.typed_search_attributes
    stage = attributes.get(SA_STAGE) or described.status.name.lower()
    invoice = attributes.get(SA_INVOICE_NUMBER) or ""
    when = f" on {described.close_time:%Y-%m-%d}" if described.close_time else ""
    if described.status == WorkflowExecutionStatus.COMPLETED and stage == "completed":
        _, crm_name, _ = workflow_id.split(":", 2)
        if await full_refund_completed(client, crm_name, deal_id):
            return DealClosed(
                f"deal {deal_id} completed{when} and was refunded in full (a credit note "
                f"against {invoice or 'its invoice'}): nothing is left to {action}"
            )
        paid = f"its invoice {invoice} is paid" if invoice else "its invoice is paid"
        return DealClosed(
            f"deal {deal_id} completed{when}: {paid}, so there is nothing to {action}; "
            f"correct it with a credit note: q2c deals refund {deal_id}{crm} --reason ..."
        )
    return DealClosed(
        f"deal {deal_id} ended {stage}{when}: nothing is left to {action}; "
        f"its history: q2c deals show {deal_id}{crm}"
    )
