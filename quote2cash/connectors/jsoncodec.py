"""JSON that carries money exactly, for the clients and the emulators.

Xero and HubSpot put amounts in JSON as numbers (``"Total": 40.00``). Read with the
standard parser they become ``float`` and ``0.1 + 0.2`` stops being ``0.3``, so:

- ``loads`` parses every JSON number with a fraction or exponent as ``Decimal``;
- ``dumps`` writes ``Decimal`` as a JSON number with its exact digits (``Decimal("40.00")``
  becomes ``40.00``, never ``40.0`` nor ``"40.00"``), dates as ISO 8601 strings.

A ``float`` is refused: it is a rounding error waiting to happen in a money payload.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID


def loads(data: bytes | str) -> Any:
    return json.loads(data, parse_float=Decimal)


def dumps(value: Any) -> bytes:
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode()


def _write(value: Any, out: list[str]) -> None:
    if value is None or (isinstance(value, bool | int | str) and not isinstance(value, Enum)):
        out.append(json.dumps(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"not a JSON number: {value}")
        out.append(format(value, "f"))
    elif isinstance(value, Mapping):
        _write_object(value, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, Enum):
        _write(value.value, out)
    elif isinstance(value, datetime | date):
        out.append(json.dumps(value.isoformat()))
    elif isinstance(value, UUID):
        out.append(json.dumps(str(value)))
    else:
        raise TypeError(f"cannot put {type(value).__name__} in JSON (floats are refused)")


def _write_object(value: Mapping[Any, Any], out: list[str]) -> None:
    out.append("{")
    for i, (key, item) in enumerate(value.items()):
        if not isinstance(key, str):
            raise TypeError(f"JSON object keys are strings, got {type(key).__name__}")
        if i:
            out.append(",")
        out.append(json.dumps(key))
        out.append(":")
        _write(item, out)
    out.append("}")
