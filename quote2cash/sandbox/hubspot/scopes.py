"""Private-app scopes: the token carries a list; each route needs one of HubSpot's.

A call without the scope its route needs is refused with 403 ``MISSING_SCOPES``, naming
the scope in ``errors[].context.requiredGranularScopes`` as HubSpot does. The scope of a
route follows HubSpot's reference: objects need ``crm.objects.<type>.read|write``
(products: ``e-commerce``), the properties API ``crm.schemas.<type>.read|write`` (line
item and product definitions are written under ``e-commerce``), deal pipelines
``crm.objects.deals.read``.
"""

from __future__ import annotations

import re

from fastapi import Request

from quote2cash.connectors.hubspot_models import canonical_type
from quote2cash.sandbox.hubspot.errors import HubSpotError

SCOPES_DOC = "https://developers.hubspot.com/scopes"
_TYPES = ("deals", "companies", "contacts", "line_items")
ALL_SCOPES: tuple[str, ...] = (
    *(f"crm.objects.{t}.{rw}" for t in _TYPES for rw in ("read", "write")),
    *(
        f"crm.schemas.{t}.{rw}"
        for t in ("deals", "companies", "contacts")
        for rw in ("read", "write")
    ),
    "crm.schemas.line_items.read",
    "e-commerce",
)
"""Every scope the emulator checks: the default grant of its token."""

_READS_BY_POST = re.compile(r"/(search|batch/read)$")
_PATHS = (
    (re.compile(r"^/crm/v3/objects/([^/]+)"), "objects"),
    (re.compile(r"^/crm/v4/objects/([^/]+)"), "objects"),
    (re.compile(r"^/crm/v4/associations/([^/]+)"), "objects"),
    (re.compile(r"^/crm/v3/pipelines/([^/]+)"), "pipelines"),
    (re.compile(r"^/crm/v3/properties/([^/]+)"), "schemas"),
)


def _scope(family: str, kind: str, write: bool) -> str:
    access = "write" if write else "read"
    if family == "pipelines":
        return f"crm.objects.{kind}.read"
    if kind == "products" or (family == "schemas" and kind == "line_items" and write):
        return "e-commerce"
    return f"crm.{family}.{kind}.{access}"


def required_scope(method: str, path: str) -> str | None:
    """The scope HubSpot asks of this call; None for paths outside the CRM API."""
    for pattern, family in _PATHS:
        found = pattern.match(path)
        if found is None:
            continue
        write = method not in ("GET", "HEAD") and not _READS_BY_POST.search(path)
        return _scope(family, canonical_type(found.group(1)), write)
    return None


def missing_scope(scope: str) -> HubSpotError:
    return HubSpotError(
        403,
        "This app hasn't been granted all required scopes to make this call. "
        f"Read more about required scopes here: {SCOPES_DOC}.",
        category="MISSING_SCOPES",
        errors=[
            {
                "message": "One or more of the following scopes are required.",
                "context": {"requiredGranularScopes": [scope]},
            }
        ],
        links={"scopes": SCOPES_DOC},
    )


def check(request: Request, granted: list[str]) -> None:
    scope = required_scope(request.method, request.url.path)
    if scope is not None and scope not in granted:
        raise missing_scope(scope)
