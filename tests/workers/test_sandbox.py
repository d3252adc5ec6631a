"""The worker's real sandbox configuration: workflow code reaches only pure modules,
passed through by name; the store, the vendor clients, the API and the activity
implementations cannot be imported by a workflow at all."""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import (
    RestrictedWorkflowAccessError,
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

import activities.refs
from activities.accounting import AccountingActivities
from activities.collections import CollectionActivities
from activities.crm import CrmActivities
from activities.ledger import LedgerActivities
from activities.reconciliation import ReconciliationActivities
from activities.refunds import RefundActivities
from activities.reservations import ReservationActivities
from activities.sweep import SweepActivities
from tests.workers.leaky_workflow import LeakyWorkflow
from workers.main import WORKFLOWS, activities_of
from workers.sandbox import (
    FORBIDDEN,
    FORBIDDEN_LIBRARIES,
    PURE_LIBRARIES,
    PURE_MODULES,
    RESTRICTIONS,
    WORKFLOW_RUNNER,
)

ROOT = Path(__file__).parents[2]
PROJECT = ("quote2cash", "activities")
IMPLEMENTATIONS = (
    CrmActivities,
    AccountingActivities,
    LedgerActivities,
    RefundActivities,
    CollectionActivities,
    ReservationActivities,
    ReconciliationActivities,
    SweepActivities,
)
PURE_THIRD_PARTY = {"pydantic", "temporalio", "typing_extensions", *PURE_LIBRARIES}


def _forbidden(module: str) -> bool:
    top, _, rest = module.partition(".")
    if top in FORBIDDEN_LIBRARIES:
        return True
    return bool(rest) and rest.split(".")[0] in FORBIDDEN.get(top, ())


def _loaded_by_workflows() -> list[str]:
    """Every module a fresh interpreter holds after importing the workflow modules."""
    modules = sorted({w.__module__ for w in WORKFLOWS})
    code = (
        f"import json, sys\nfor m in {modules!r}: __import__(m)\n"
        "print(json.dumps(list(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(out.stdout)
    return loaded


def test_workflow_modules_reach_only_pure_modules() -> None:
    loaded = _loaded_by_workflows()
    assert not [m for m in loaded if _forbidden(m)]
    packages = {"quote2cash", "activities", "quote2cash.billing", "quote2cash.connect"}
    ours = {m for m in loaded if m.split(".")[0] in PROJECT} - packages
    assert ours <= set(PURE_MODULES), f"not declared pure: {sorted(ours - set(PURE_MODULES))}"


def test_passthrough_names_modules_not_packages() -> None:
    ours = {m for m in RESTRICTIONS.passthrough_modules if m.split(".")[0] in PROJECT}
    assert ours == set(PURE_MODULES)
    for name in ours:
        path = ROOT / (name.replace(".", "/") + ".py")
        assert path.is_file(), f"{name} is a package or missing: pass modules by name"


def _imports(module: str) -> set[str]:
    tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", PURE_MODULES)
def test_a_pure_module_imports_only_pure_things(module: str) -> None:
    for name in _imports(module):
        top = name.split(".")[0]
        if top in PROJECT:
            is_module = (ROOT / (name.replace(".", "/") + ".py")).is_file()
            assert not is_module or name in PURE_MODULES, f"{module} imports {name}"
        else:
            assert top in sys.stdlib_module_names or top in PURE_THIRD_PARTY, (module, name)


def test_every_activity_module_is_either_pure_or_kept_out() -> None:
    names = {p.stem for p in (ROOT / "activities").glob("*.py")} - {"__init__"}
    declared = {m.split(".")[1] for m in PURE_MODULES if m.startswith("activities.")}
    assert names == declared | set(FORBIDDEN["activities"])


def _definitions(holders: tuple[type, ...]) -> dict[str, Any]:
    found = {}
    for holder in holders:
        for fn in vars(holder).values():
            defn = getattr(getattr(fn, "__func__", fn), "__temporal_activity_definition", None)
            if defn is not None:
                found[defn.name] = defn
    return found


def test_references_match_the_registered_activities() -> None:
    refs = _definitions(activities.refs.REFERENCES)
    real = _definitions(IMPLEMENTATIONS)
    assert set(refs) == set(real)
    registered = inspect.getsource(activities_of)
    assert all(f".{name}" in registered for name in real)
    for name, ref in refs.items():
        assert (ref.arg_types, ref.ret_type) == (real[name].arg_types, real[name].ret_type), name


async def test_the_real_sandbox_refuses_a_workflow_that_imports_the_store(
    temporal_dev: WorkflowEnvironment,
) -> None:
    queue = f"tq-{uuid.uuid4().hex[:10]}"
    with pytest.raises(RuntimeError, match="Failed validating workflow LeakyWorkflow") as refused:
        Worker(
            temporal_dev.client,
            task_queue=queue,
            workflows=[LeakyWorkflow],
            workflow_runner=WORKFLOW_RUNNER,
        )
    assert isinstance(refused.value.__cause__, RestrictedWorkflowAccessError)
    assert "quote2cash.store" in str(refused.value.__cause__)
    # The old configuration (whole packages passed through) let it in unnoticed.
    whole = SandboxRestrictions.default.with_passthrough_modules("quote2cash", "activities")
    Worker(
        temporal_dev.client,
        task_queue=queue,
        workflows=[LeakyWorkflow],
        workflow_runner=SandboxedWorkflowRunner(restrictions=whole),
    )


async def test_the_real_workflows_load_in_the_real_sandbox(
    temporal_dev: WorkflowEnvironment,
) -> None:
    Worker(
        temporal_dev.client,
        task_queue=f"tq-{uuid.uuid4().hex[:10]}",
        workflows=list(WORKFLOWS),
        workflow_runner=WORKFLOW_RUNNER,
    )
