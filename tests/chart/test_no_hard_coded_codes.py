"""No account code or tax type of any organisation outside the presets: every one
reaches the product through the billing entity's mapping (quote2cash.chart). The
emulators are the vendor's side and keep their organisations' own charts."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("quote2cash", "activities", "workflows", "workers")
# The presets, and the UK codes recorded histories replay on (Accounts' defaults).
ALLOWED = {Path("quote2cash/chart/presets.py"), Path("quote2cash/billing/accounts.py")}
VENDOR_SIDE = Path("quote2cash/sandbox")
CODES = {
    # UK, AU and US default charts
    "090", "091", "120", "200", "210", "220", "240", "260", "400", "404", "498", "499",
    "600", "610", "800", "820", "835", "BADDEBT", "CUSTCREDIT",
    # Xero tax types of the three regions
    "OUTPUT", "OUTPUT2", "RROUTPUT", "ECZROUTPUTSERVICES", "ECZROUTPUT", "EXEMPTOUTPUT",
    "ZERORATEDOUTPUT", "EXEMPTEXPORT", "INPUTTAXED", "BASEXCLUDED", "INPUT", "INPUT2", "NONE",
}  # fmt: skip


def _sources() -> list[Path]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if relative not in ALLOWED and not relative.is_relative_to(VENDOR_SIDE):
                found.append(relative)
    return found


def test_codes_come_from_the_mapping_only() -> None:
    leftovers = [
        f"{path}:{node.lineno}: {node.value!r}"
        for path in _sources()
        for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in CODES
    ]
    assert leftovers == []


def test_the_uk_defaults_stay_inside_the_billing_core() -> None:
    users = [
        str(path)
        for path in _sources()
        if not path.is_relative_to("quote2cash/billing")
        and "DEFAULT_ACCOUNTS" in (ROOT / path).read_text(encoding="utf-8")
    ]
    assert users == []
