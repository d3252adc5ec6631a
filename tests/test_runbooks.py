"""Every error type the product raises, parks under or answers with has its runbook page
(the link a parked deal shows); the types come from one registry, and the code cannot
raise a type that is not in it."""

from __future__ import annotations

import ast
from pathlib import Path

import quote2cash.api.app  # noqa: F401  (imports every router, so every ApiError subclass)
from quote2cash import error_types
from quote2cash.api.errors import ApiError
from quote2cash.api.limits import PayloadTooLarge
from quote2cash.connect.mapping import MappingRefused
from quote2cash.connectors import errors

ROOT = Path(__file__).parents[1]
VENDORS = ("Xero", "HubSpot")
CONSTANTS = {
    name for name, value in vars(error_types).items() if name.isupper() and isinstance(value, str)
}


def _vendor_types() -> set[str]:
    kinds = [
        c.__name__
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.VendorError) and c is not errors.VendorError
    ]
    return {f"{vendor}.{kind}" for vendor in VENDORS for kind in kinds}


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    return found.union(*(_subclasses(c) for c in found)) if found else found


def test_every_error_type_has_a_runbook() -> None:
    types = set(error_types.MEANINGS) | _vendor_types()
    assert {"InvoiceNotVoidable", "InvalidMasterData", "Xero.ValidationFailed"} <= types
    missing = sorted(t for t in types if not (ROOT / "runbooks" / f"{t}.md").exists())
    assert not missing, f"write runbooks/<type>.md for: {missing}"


def test_every_constant_has_a_meaning() -> None:
    values = {getattr(error_types, name) for name in CONSTANTS}
    assert values == set(error_types.MEANINGS)
    assert all(meaning.strip() for meaning in error_types.MEANINGS.values())


def test_every_api_error_class_is_registered() -> None:
    # The API answers {"error": <class name>}: a new ApiError subclass is a new type.
    names = {c.__name__ for c in _subclasses(ApiError)} | {PayloadTooLarge.__name__}
    assert "Forbidden" in names
    assert names - set(error_types.MEANINGS) == set()
    assert MappingRefused.__name__ in error_types.MEANINGS


def _registry_names(tree: ast.Module) -> set[str]:
    """Names a module imported from quote2cash.error_types."""
    return {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "quote2cash.error_types"
        for alias in node.names
    }


def _raised_types(path: Path) -> list[tuple[int, ast.expr]]:
    """Each ``ApplicationError(..., type=...)`` and each reason a workflow parks under;
    a parameter handed on (``hold`` passing its ``reason`` on) is checked at its caller."""
    tree = ast.parse(path.read_text())
    forwarded: dict[ast.AST, set[str]] = {}
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            params = {a.arg for a in [*fn.args.args, *fn.args.kwonlyargs]}
            forwarded.update({node: params for node in ast.walk(fn)})
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        values = []
        if name == "ApplicationError":
            values = [kw.value for kw in node.keywords if kw.arg == "type"]
        elif name in ("hold", "wait_parked") and len(node.args) > 1:
            values = [node.args[1]]
        for value in values:
            if isinstance(value, ast.Starred):
                continue
            if isinstance(value, ast.Name) and value.id in forwarded.get(node, set()):
                continue
            found.append((node.lineno, value))
    return found


def _vendor_kind(path: Path, value: ast.expr) -> bool:
    """activities/errors.py names vendor errors ``<Vendor>.<class>`` (checked above)."""
    return path == ROOT / "activities" / "errors.py" and ast.unparse(value) == "kind"


def test_every_raised_type_is_a_registry_constant() -> None:
    offenders = []
    paths = [*ROOT.glob("activities/*.py"), *ROOT.glob("workflows/*.py")]
    for path in paths:
        imported = _registry_names(ast.parse(path.read_text())) & CONSTANTS
        for line, value in _raised_types(path):
            if isinstance(value, ast.Name) and value.id in imported:
                continue
            if not _vendor_kind(path, value):
                offenders.append(f"{path.relative_to(ROOT)}:{line}: {ast.unparse(value)}")
    assert offenders == [], "raise a quote2cash.error_types constant instead"


def test_the_check_sees_a_literal_type(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from quote2cash.error_types import NOT_RETRYABLE\n"
        "ApplicationError('x', type=NOT_RETRYABLE)\n"
        "ApplicationError('x', type='Invented')\n"
        "self.hold(stage, 'AlsoInvented', 'why')\n"
        "def hold(stage, reason):\n"
        "    wait_parked(stage, reason, 'forwarded: its callers are checked')\n"
    )
    values = sorted(ast.unparse(v) for _, v in _raised_types(module))
    assert values == ["'AlsoInvented'", "'Invented'", "NOT_RETRYABLE"]


def test_runbook_index_links_every_page() -> None:
    index = (ROOT / "runbooks" / "README.md").read_text()
    pages = sorted(p.name for p in (ROOT / "runbooks").glob("*.md") if p.name != "README.md")
    assert [p for p in pages if f"({p})" not in index] == []
