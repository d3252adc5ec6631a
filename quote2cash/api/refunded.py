"""Which ended deals were refunded in full: a deal's own workflow ends ``completed`` when
paid, and a full refund runs after it as ``refund:<crm>:<deal>`` (RefundWorkflow), so the
deal's list row and ``show`` ask Temporal for that workflow instead of trusting the stage.

A completed full refund is one that refunded: a failed one undid itself and ended failed.
Partial refunds (``refund:<crm>:<deal>:<refund id>``) do not make a deal refunded.
"""

from __future__ import annotations

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from quote2cash.messages import REFUND_WORKFLOW, refund_workflow_id

REFUNDED = "refunded"


def _deal_of(refund_id: str) -> str | None:
    """``refund:<crm>:<deal>`` → ``deal:<crm>:<deal>``; a partial refund's id → None."""
    parts = refund_id.split(":")
    return f"deal:{parts[1]}:{parts[2]}" if len(parts) == 3 and parts[0] == "refund" else None


async def refunded_deals(client: Client, limit: int = 1000) -> set[str]:
    """Workflow ids of the deals whose full refund completed (newest ``limit`` refunds)."""
    query = f"WorkflowType = '{REFUND_WORKFLOW}' AND ExecutionStatus = 'Completed'"
    found = client.list_workflows(query, limit=limit)
    return {deal for deal in [_deal_of(w.id) async for w in found] if deal}


async def full_refund_completed(client: Client, crm: str, deal_id: str) -> bool:
    try:
        described = await client.get_workflow_handle(refund_workflow_id(crm, deal_id)).describe()
    except RPCError:  # none asked for (NOT_FOUND), or unknown right now: not shown refunded
        return False
    return described.status == WorkflowExecutionStatus.COMPLETED
