"""Every error type the product raises, parks a deal under or answers with.

The type is what an on-call engineer filters by (``Q2cAttention``, a failed workflow's
cause, an API answer's ``error``) and the name of its runbook page,
``runbooks/<type>.md``. Code raises these constants, never a string of its own, so a new
type cannot skip this list (tests/test_runbooks.py checks both: a page per entry, and
that every ``ApplicationError`` in activities/ and workflows/ names a constant from here).

Vendor errors are the one family not listed one by one: ``activities.errors`` names
them ``<Vendor>.<class>`` after the vendor client's error classes
(``Xero.ValidationFailed``), and the runbook test derives those from the classes.

Workflows import this module: it stays pure (standard library only) and is passed
through the workflow sandbox by name (workers/sandbox.py).
"""

from __future__ import annotations

from typing import Final

# Raised by activities (ApplicationError types): a deal parks under them.
INVALID_MASTER_DATA: Final = "InvalidMasterData"
LEDGER_CONFLICT: Final = "LedgerConflict"
INVOICE_NOT_VOIDABLE: Final = "InvoiceNotVoidable"
REFUND_REFUSED: Final = "RefundRefused"

# Parking reasons held by workflows, and the step budget running out.
ACTIVITY_TIMEOUT: Final = "ActivityTimeout"
POSTING_MISMATCH: Final = "PostingMismatch"
PROVISIONING_OVERDUE: Final = "ProvisioningOverdue"
WRITE_OFF_PROPOSED: Final = "WriteOffProposed"

# Refusals and failures raised by workflows (Update validators, refund steps).
APPROVAL_REFUSED: Final = "ApprovalRefused"
CORRECTION_REFUSED: Final = "CorrectionRefused"
NOT_RETRYABLE: Final = "NotRetryable"
MISSING_ACTOR: Final = "MissingActor"
SUBSCRIPTION_CHANGE_REFUSED: Final = "SubscriptionChangeRefused"
REFUND_COMPENSATED: Final = "RefundCompensated"
SNAPSHOT_CHANGED: Final = "SnapshotChanged"

# Outside a workflow: payments held for review, the worker's start-up check.
HELD_PAYMENT: Final = "HeldPayment"
MAPPING_REFUSED: Final = "MappingRefused"

# The API's answers ({"error": <type>, "detail": ...}): quote2cash/api/errors.py.
BAD_SIGNATURE: Final = "BadSignature"
UNAUTHORIZED: Final = "Unauthorized"
FORBIDDEN: Final = "Forbidden"
ENDPOINT_DISABLED: Final = "EndpointDisabled"
BAD_PAYLOAD: Final = "BadPayload"
WRONG_SHAPE: Final = "WrongShape"
NOT_FOUND: Final = "NotFound"
CONFLICT: Final = "Conflict"
REFUSED: Final = "Refused"
DEAL_CLOSED: Final = "DealClosed"
PAYLOAD_TOO_LARGE: Final = "PayloadTooLarge"
TEMPORAL_UNAVAILABLE: Final = "TemporalUnavailable"
HTTP_ERROR: Final = "HTTPError"

MEANINGS: Final[dict[str, str]] = {
    INVALID_MASTER_DATA: "the CRM's deal, company or line items cannot be billed as they are",
    LEDGER_CONFLICT: "a journal key is already posted with other lines",
    INVOICE_NOT_VOIDABLE: "a void was asked of an invoice that is paid or not AUTHORISED",
    REFUND_REFUSED: "a refund stopped before changing anything (unpaid, over-refund, held)",
    ACTIVITY_TIMEOUT: "a step ran out of its retry budget (a vendor stayed unreachable)",
    POSTING_MISMATCH: "Xero's invoice or payments differ from what we priced",
    PROVISIONING_OVERDUE: "no provisioning confirmation within the escalation period",
    WRITE_OFF_PROPOSED: "an invoice long past due: a write-off waits for an approver",
    APPROVAL_REFUSED: "approve/reject refused: no approver role, the owner, no reason",
    CORRECTION_REFUSED: "a void-and-reissue refused: nothing voidable, no approver, the owner",
    NOT_RETRYABLE: "retry refused: the deal is not parked, or waits for an event, not a step",
    MISSING_ACTOR: "retry refused: it does not say who retries (requested_by)",
    SUBSCRIPTION_CHANGE_REFUSED: "a subscription's amend or cancel refused",
    REFUND_COMPENSATED: "a refund failed at a step and undid the earlier ones",
    SNAPSHOT_CHANGED: "a refund refused: the deal changed in the CRM since it was invoiced",
    HELD_PAYMENT: "a payment held as customer credit or for review, not applied",
    MAPPING_REFUSED: "the worker refused to start: the organisation lacks a mapped code",
    BAD_SIGNATURE: "401: a webhook not signed by who it claims, or a stale timestamp",
    UNAUTHORIZED: "401: a missing or unknown bearer token",
    FORBIDDEN: "403: the token does not hold the role the endpoint requires",
    ENDPOINT_DISABLED: "403: the endpoint's secret is not configured",
    BAD_PAYLOAD: "400: the body is not JSON",
    WRONG_SHAPE: "422: JSON, but not the shape the endpoint expects",
    NOT_FOUND: "404: no such deal, workflow, record or page",
    CONFLICT: "409: the request contradicts what is stored (e.g. a replayed rejection)",
    REFUSED: "409: a workflow's Update validator refused the request; detail names why",
    DEAL_CLOSED: "409: an action on a deal whose workflow has ended; detail says what to do",
    PAYLOAD_TOO_LARGE: "413: a request body above its endpoint's limit",
    TEMPORAL_UNAVAILABLE: "503: Temporal cannot be reached right now",
    HTTP_ERROR: "any other HTTP error the framework raised (e.g. 405)",
}
"""Every type, with what it means in one line."""
