"""CRM search: ``filterGroups`` (ORed) of filters (ANDed), sorts, ``after`` paging.

Limits as HubSpot documents them: at most 5 groups, 6 filters per group, 18 filters in
all, ``limit`` at most 200, and no paging past the 10,000th result. Values compare as
numbers when both sides are numbers, otherwise as case-insensitive strings; dates and
datetimes (stored as ISO 8601) compare with filter values given as epoch milliseconds,
as HubSpot's do; ``CONTAINS_TOKEN`` accepts ``*`` wildcards.
"""

from __future__ import annotations

import fnmatch
import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.hubspot.errors import HubSpotError

MAX_GROUPS, MAX_FILTERS_PER_GROUP, MAX_FILTERS = 5, 6, 18
MAX_LIMIT = 200
MAX_RESULTS = 10_000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


def _key(value: str) -> Decimal | str:
    try:
        return Decimal(value)
    except InvalidOperation:
        pass
    if ISO_DATE.match(value):  # a date or datetime property: its epoch milliseconds
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        return Decimal(int(at.timestamp() * 1000))
    return value.lower()


def _compare(actual: str, expected: str) -> int:
    a, b = _key(actual), _key(expected)
    if type(a) is not type(b):
        a, b = actual.lower(), expected.lower()
    return (a > b) - (a < b)  # type: ignore[operator]


def _matches(record: Doc, spec: dict[str, Any]) -> bool:
    name, op = spec.get("propertyName"), str(spec.get("operator", "EQ")).upper()
    if not name:
        raise HubSpotError(400, "propertyName is required in every filter")
    actual = record["properties"].get(name)
    if op == "HAS_PROPERTY":
        return actual is not None
    if op == "NOT_HAS_PROPERTY":
        return actual is None
    if op in ("IN", "NOT_IN"):
        values = [str(v).lower() for v in spec.get("values") or []]
        inside = actual is not None and actual.lower() in values
        return inside if op == "IN" else not inside
    if actual is None:
        return op in ("NEQ", "NOT_CONTAINS_TOKEN")
    value = str(spec.get("value", ""))
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = value.lower() if "*" in value else f"*{value.lower()}*"
        found = any(fnmatch.fnmatchcase(t, pattern) for t in actual.lower().split())
        found = found or fnmatch.fnmatchcase(actual.lower(), pattern)
        return found if op == "CONTAINS_TOKEN" else not found
    if op == "BETWEEN":
        high = str(spec.get("highValue", ""))
        return _compare(actual, value) >= 0 and _compare(actual, high) <= 0
    outcome = {
        "EQ": lambda c: c == 0,
        "NEQ": lambda c: c != 0,
        "LT": lambda c: c < 0,
        "LTE": lambda c: c <= 0,
        "GT": lambda c: c > 0,
        "GTE": lambda c: c >= 0,
    }.get(op)
    if outcome is None:
        raise HubSpotError(400, f"Unsupported filter operator: {op}")
    return bool(outcome(_compare(actual, value)))


def check_limits(groups: list[dict[str, Any]], limit: int) -> None:
    if len(groups) > MAX_GROUPS:
        raise HubSpotError(400, f"Too many filter groups ({len(groups)}); max is {MAX_GROUPS}")
    total = 0
    for group in groups:
        count = len(group.get("filters") or [])
        total += count
        if count > MAX_FILTERS_PER_GROUP:
            raise HubSpotError(400, f"Too many filters in a group; max is {MAX_FILTERS_PER_GROUP}")
    if total > MAX_FILTERS:
        raise HubSpotError(400, f"Too many filters ({total}); max is {MAX_FILTERS}")
    if not 0 < limit <= MAX_LIMIT:
        raise HubSpotError(400, f"limit must be between 1 and {MAX_LIMIT}")


def run(records: list[Doc], request: dict[str, Any]) -> tuple[list[Doc], int, int | None]:
    """(page of records, total matches, offset of the next page or None)."""
    groups: list[dict[str, Any]] = request.get("filterGroups") or []
    limit = int(request.get("limit", 10))
    check_limits(groups, limit)
    query = str(request.get("query") or "").lower()
    found = [
        r
        for r in records
        if (not groups or any(all(_matches(r, f) for f in g.get("filters") or []) for g in groups))
        and (not query or any(query in (v or "").lower() for v in r["properties"].values()))
    ]
    found = _sorted(found, request.get("sorts") or [])
    start = int(request.get("after") or 0)
    if start + limit > MAX_RESULTS:
        raise HubSpotError(
            400, f"Search results are limited to {MAX_RESULTS}; narrow the search to page on"
        )
    page = found[start : start + limit]
    following = start + limit if start + limit < len(found) else None
    return page, len(found), following


def _sorted(records: list[Doc], sorts: list[Any]) -> list[Doc]:
    result = sorted(records, key=lambda r: int(r["id"]))
    for sort in reversed(sorts):
        if isinstance(sort, str):
            name, descending = sort.lstrip("-"), sort.startswith("-")
        else:
            name = str(sort.get("propertyName"))
            descending = str(sort.get("direction", "ASCENDING")).upper() == "DESCENDING"
        result.sort(key=lambda r, n=name: _sort_key(r, n), reverse=descending)  # type: ignore[misc]
    return result


def _sort_key(record: Doc, name: str) -> tuple[int, Decimal, str]:
    """Numbers before text, so that mixed values never compare a Decimal with a str."""
    key = _key(record["properties"].get(name) or "")
    return (0, key, "") if isinstance(key, Decimal) else (1, Decimal(0), key)
