"""Xero's date formats, both ways.

Xero's JSON carries instants as Microsoft JSON dates, ``/Date(1552327126117+0000)/``
(milliseconds since the epoch, optional offset that is always ``+0000`` for UTC
fields), and repeats calendar dates as ``DateString: 2019-03-11T00:00:00``. Requests may
send dates as ``YYYY-MM-DD``. Parsing accepts all of these; writing uses what Xero writes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

_MSDATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_datetime(value: object) -> datetime:
    """An aware UTC datetime from ``/Date(ms±hhmm)/`` or ISO 8601 (naive means UTC)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(f"not a Xero date: {value!r}")
    found = _MSDATE.match(value)
    if found:
        return _EPOCH + timedelta(milliseconds=int(found.group(1)))
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    return parse_datetime(value).date()


def msdate(value: datetime | date) -> str:
    """``/Date(ms+0000)/`` as Xero writes it."""
    instant = parse_datetime(value)
    millis = (instant - _EPOCH) // timedelta(milliseconds=1)
    return f"/Date({millis}+0000)/"


def date_string(value: date) -> str:
    """``DateString``: the calendar date at midnight, no zone."""
    return f"{value.isoformat()}T00:00:00"


def utc_string(value: datetime) -> str:
    """``UpdatedDateUTCString``: ISO 8601 to the second with ``Z``."""
    return parse_datetime(value).strftime("%Y-%m-%dT%H:%M:%SZ")
