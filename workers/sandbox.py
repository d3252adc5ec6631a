"""The workflow sandbox of the worker: what workflow code may import, and what it may not.

Pure, deterministic modules (the billing core, messages, activity models and activity
references) and their libraries are passed through, named one by one: imported once per
worker, not once per workflow run (re-importing them into every run's sandbox was about
a sixth of the worker's CPU). Whole packages are never passed through: a module added to
``quote2cash`` or ``activities`` is not trusted by accident.

Modules that do I/O (the store, the vendor clients, the API, the activity
implementations, settings, the Temporal client helpers) and their drivers cannot even be
imported inside the sandbox: a workflow module that imports one fails when the worker
starts, however it imports it (``imports_passed_through`` included).
tests/workers/test_sandbox.py runs the real configuration.
"""

from __future__ import annotations

import dataclasses

from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxMatcher,
    SandboxRestrictions,
)

PURE_MODULES = (
    "activities.models",
    "activities.refs",
    "quote2cash.error_types",
    "quote2cash.messages",
    "quote2cash.search_attributes",
    "quote2cash.sweep_model",
    "quote2cash.connect.hubspot_contract",
    "quote2cash.billing._trusted",
    "quote2cash.billing.accounts",
    "quote2cash.billing.amendment",
    "quote2cash.billing.catalog",
    "quote2cash.billing.conventions",
    "quote2cash.billing.credit_note",
    "quote2cash.billing.currency",
    "quote2cash.billing.decimals",
    "quote2cash.billing.discounts",
    "quote2cash.billing.errors",
    "quote2cash.billing.invoice",
    "quote2cash.billing.journal",
    "quote2cash.billing.money",
    "quote2cash.billing.pending",
    "quote2cash.billing.phases",
    "quote2cash.billing.preview",
    "quote2cash.billing.pricing",
    "quote2cash.billing.proration",
    "quote2cash.billing.recognition",
    "quote2cash.billing.reconcile_model",
    "quote2cash.billing.render",
    "quote2cash.billing.rounding",
    "quote2cash.billing.shipments",
    "quote2cash.billing.snapshot",
    "quote2cash.billing.split",
    "quote2cash.billing.tax",
    "quote2cash.billing.usage",
)
PURE_LIBRARIES = ("babel", "stdnum")
"""Their locale and format data is read once at import; nothing else touches the disk."""

FORBIDDEN: dict[str, tuple[str, ...]] = {
    "quote2cash": (
        "api",
        "cli",
        "connectors",
        "devstack",
        "reconciliation",
        "sandbox",
        "settings",
        "store",
        "temporal",
        "tracing",
    ),
    "activities": (
        "accounting",
        "collections",
        "crm",
        "crm_mapping",
        "deps",
        "errors",
        "ledger",
        "reconciliation",
        "refunds",
        "reservations",
        "sweep",
        "xero_mapping",
    ),
}
FORBIDDEN_LIBRARIES = (
    "alembic",
    "fastapi",
    "httpx",
    "psycopg",
    "sqlalchemy",
    "sqlmodel",
    "uvicorn",
)


def _forbidden() -> SandboxMatcher:
    children = {package: SandboxMatcher(access=set(names)) for package, names in FORBIDDEN.items()}
    return SandboxMatcher(access=set(FORBIDDEN_LIBRARIES), children=children)


_PASSING = SandboxRestrictions.default.with_passthrough_modules(*PURE_MODULES, *PURE_LIBRARIES)
RESTRICTIONS = dataclasses.replace(
    _PASSING, invalid_modules=_PASSING.invalid_modules | _forbidden()
)
WORKFLOW_RUNNER = SandboxedWorkflowRunner(restrictions=RESTRICTIONS)
"""The runner of every worker (workers.main.build_worker) and of the replay tests."""
