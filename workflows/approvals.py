"""Approvals: a declared policy decides whether a deal waits for a person's decision.

The policy is data (thresholds), read by a pure function, so the reasons a deal waits
are the same on every replay and readable in the deal's state. Decisions arrive as
``approve``/``reject`` Updates whose validators refuse, with a reason the caller sees:
a caller without the approver role, the deal's own owner (segregation of duties), a
rejection without a reason, or a deal that is not waiting. While nobody decides, timers
remind through the CRM deal and escalate after a few days.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows.calls import call
from workflows.parking import Parking

with workflow.unsafe.imports_passed_through():
    from activities.models import WriteBackRequest
    from activities.refs import CrmActivities
    from quote2cash.billing.snapshot import QuoteSnapshot
    from quote2cash.connect.hubspot_contract import APPROVAL_BY, APPROVAL_REASON, APPROVAL_STATUS
    from quote2cash.error_types import APPROVAL_REFUSED
    from quote2cash.messages import (
        ROLE_APPROVER,
        UPDATE_APPROVE,
        UPDATE_REJECT,
        Approval,
        ApprovalDecision,
        DealStatus,
        Stage,
    )

REMIND_EVERY = timedelta(days=1)
ESCALATE_AFTER_REMINDERS = 3
REMIND_AFTER_ESCALATION = timedelta(days=7)


class ApprovalPolicy(BaseModel):
    """When a deal needs a person's approval before it is provisioned and invoiced."""

    max_discount_percent: Decimal = Decimal(20)
    """A line or order discount above this needs approval."""
    standard_terms_days: frozenset[int] = frozenset({0, 14, 30})
    """Payment terms outside these are non-standard."""
    amount_limit: Decimal = Decimal(100_000)
    """An invoice total above this (in its own currency) needs approval."""


POLICY = ApprovalPolicy()


def approval_reasons(policy: ApprovalPolicy, snapshot: QuoteSnapshot, total: Decimal) -> list[str]:
    """Why this deal needs approval under ``policy``; empty when it does not."""
    reasons = []
    discounts = [snapshot.order_discount_percent, *(li.discount_percent for li in snapshot.lines)]
    if max(discounts) > policy.max_discount_percent:
        reasons.append(f"discount {max(discounts)}% above {policy.max_discount_percent}%")
    if snapshot.payment_terms_days not in policy.standard_terms_days:
        reasons.append(f"non-standard payment terms: {snapshot.payment_terms_days} days")
    if total > policy.amount_limit:
        reasons.append(
            f"amount {total} {snapshot.currency} above the limit of {policy.amount_limit}"
        )
    return reasons


def refusal(status: DealStatus, decision: ApprovalDecision, *, rejecting: bool) -> str | None:
    """Why ``decision`` may not be taken now, or None when it may."""
    approval = status.approval
    if status.stage != Stage.APPROVAL or approval is None or approval.decision:
        return f"deal is not waiting for approval (stage: {status.stage.value})"
    if not decision.actor.strip():
        return "say who decides (actor)"
    if ROLE_APPROVER not in decision.roles:
        return f"{decision.actor} does not hold the {ROLE_APPROVER!r} role"
    if approval.owner_id and decision.actor == approval.owner_id:
        return f"{decision.actor} owns this deal and may not decide its approval"
    if rejecting and not decision.reason.strip():
        return "a rejection needs a reason"
    return None


def validate(status: DealStatus, decision: ApprovalDecision, *, rejecting: bool) -> None:
    """Update validator body: raise the refusal so the caller receives it."""
    problem = refusal(status, decision, rejecting=rejecting)
    if problem is not None:
        raise ApplicationError(problem, type=APPROVAL_REFUSED)


def record(approval: Approval, decision: ApprovalDecision, outcome: str) -> str:
    approval.decision = outcome
    approval.decided_by = decision.actor
    approval.reason = decision.reason
    return f"{outcome} by {decision.actor}"


def next_reminder(approval: Approval) -> timedelta:
    return REMIND_AFTER_ESCALATION if approval.escalated else REMIND_EVERY


def remind(approval: Approval) -> dict[str, str]:
    """Count one more reminder; the CRM deal properties that announce it."""
    approval.reminders += 1
    if approval.reminders >= ESCALATE_AFTER_REMINDERS:
        approval.escalated = True
    note = f"awaiting approval ({approval.reminders} reminders)"
    if approval.escalated:
        note = f"escalated: awaiting approval ({approval.reminders} reminders)"
    return {APPROVAL_STATUS.name: note}


class Approvals(Parking):
    """Mixin of DealWorkflow: the approval step and its two Updates."""

    _decided: bool = False

    async def await_approval(self, snapshot: QuoteSnapshot, reasons: list[str]) -> bool:
        """Wait for a decision; True when approved. A rejection is written to the CRM."""
        # The approval exists (and Updates are accepted) only once the owner is known.
        owner = await self.read_owner(Stage.APPROVAL, "approve it")
        approval = Approval(required_because=reasons, owner_id=owner, requested_at=workflow.now())
        self.status.approval = approval
        while not self._decided:
            try:
                await workflow.wait_condition(
                    lambda: self._decided,
                    timeout=next_reminder(approval),
                    timeout_summary="remind the approvers if nobody decides in time",
                )
            except TimeoutError:
                await self._write(snapshot.deal_id, remind(approval), "announce the reminder")
        verdict = {APPROVAL_STATUS.name: approval.decision, APPROVAL_BY.name: approval.decided_by}
        if approval.reason:
            verdict[APPROVAL_REASON.name] = approval.reason
        await self._write(snapshot.deal_id, verdict, f"record the {approval.decision} decision")
        return approval.decision == "approved"

    async def _write(self, deal_id: str, properties: dict[str, str], why: str) -> None:
        await self.step(
            Stage.APPROVAL,
            lambda: call(
                CrmActivities.write_back,
                WriteBackRequest(deal_id=deal_id, properties=properties),
                f"{why} on CRM deal {deal_id}: {', '.join(properties.values())}",
            ),
        )

    @workflow.update(name=UPDATE_APPROVE)
    def approve(self, decision: ApprovalDecision) -> str:
        return self._decide(decision, "approved")

    @approve.validator
    def _validate_approve(self, decision: ApprovalDecision) -> None:
        validate(self.status, decision, rejecting=False)

    @workflow.update(name=UPDATE_REJECT)
    def reject(self, decision: ApprovalDecision) -> str:
        return self._decide(decision, "rejected")

    @reject.validator
    def _validate_reject(self, decision: ApprovalDecision) -> None:
        validate(self.status, decision, rejecting=True)

    def _decide(self, decision: ApprovalDecision, outcome: str) -> str:
        if self.status.approval is None:
            raise ApplicationError("deal is not waiting for approval", type=APPROVAL_REFUSED)
        self._decided = True
        return record(self.status.approval, decision, outcome)
