"""Every reason a deal can park under has its runbook page (the link a parked deal shows)."""

from __future__ import annotations

import re
from pathlib import Path

from quote2cash.connectors import errors

ROOT = Path(__file__).parents[1]
VENDORS = ("Xero", "HubSpot")


def _vendor_types() -> set[str]:
    kinds = [
        c.__name__
        for c in vars(errors).values()
        if isinstance(c, type) and issubclass(c, errors.VendorError) and c is not errors.VendorError
    ]
    return {f"{vendor}.{kind}" for vendor in VENDORS for kind in kinds}


def _literal_types() -> set[str]:
    """Error types raised by activities and parking reasons held by workflows."""
    found = {"ActivityTimeout"}
    for path in [*ROOT.glob("activities/*.py"), *ROOT.glob("workflows/*.py")]:
        text = path.read_text()
        if path.parent.name == "activities":
            found |= set(
                re.findall(r'ApplicationError\((?:[^()]|\([^()]*\))*?type="([A-Za-z.]+)"', text)
            )
        found |= set(re.findall(r'\.hold\(\s*[^,]+,\s*"([A-Za-z.]+)"', text))
    return found


def test_every_parking_reason_has_a_runbook() -> None:
    reasons = _vendor_types() | _literal_types()
    assert "InvalidMasterData" in reasons
    assert "PostingMismatch" in reasons
    missing = sorted(r for r in reasons if not (ROOT / "runbooks" / f"{r}.md").exists())
    assert not missing, f"write runbooks/<type>.md for: {missing}"


def test_runbook_index_links_every_page() -> None:
    index = (ROOT / "runbooks" / "README.md").read_text()
    pages = sorted(p.name for p in (ROOT / "runbooks").glob("*.md") if p.name != "README.md")
    assert [p for p in pages if f"({p})" not in index] == []
