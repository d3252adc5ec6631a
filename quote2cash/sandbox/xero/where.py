"""A small reading of Xero's ``where`` filter, enough for what integrations send.

Clauses ``Path op value`` joined by ``AND``/``&&`` or ``OR``/``||`` (AND binds tighter),
where ``op`` is ``==``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` and ``value`` is a string
``"..."``, ``guid("...")``, a number, ``true``/``false`` or ``null``; also
``Path.Contains("x")``, ``Path.StartsWith("x")``, ``Path.EndsWith("x")``. ``Path`` may
reach into objects (``Contact.ContactID``). Strings compare case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from quote2cash.sandbox.xero.envelope import XeroValidation

Predicate = Callable[[dict[str, Any]], bool]

_CLAUSE = re.compile(
    r"""^\s*(?P<path>[A-Za-z][\w.]*?)\s*
    (?:(?P<op>==|!=|>=|<=|>|<)\s*(?P<value>guid\("[^"]*"\)|"(?:[^"\\]|\\.)*"|[\w.\-]+)
      |\.(?P<method>Contains|StartsWith|EndsWith)\("(?P<arg>(?:[^"\\]|\\.)*)"\))\s*$""",
    re.VERBOSE,
)
_OR = re.compile(r"\s+OR\s+|\s*\|\|\s*")
_AND = re.compile(r"\s+AND\s+|\s*&&\s*")


def parse(text: str) -> Predicate:
    alternatives = [[_clause(c) for c in _AND.split(part)] for part in _OR.split(text.strip())]
    return lambda doc: any(all(p(doc) for p in group) for group in alternatives)


def _lookup(doc: Any, path: str) -> Any:
    for part in path.split("."):
        doc = doc.get(part) if isinstance(doc, dict) else None
    return doc


def _literal(raw: str) -> Any:
    if raw.startswith("guid("):
        return raw[6:-2].lower()
    if raw.startswith('"'):
        return raw[1:-1].replace('\\"', '"').lower()
    if raw in ("true", "false"):
        return raw == "true"
    if raw == "null":
        return None
    try:
        return Decimal(raw)
    except ArithmeticError:
        return raw.lower()


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.lower()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(value)
    return value


def _clause(text: str) -> Predicate:
    found = _CLAUSE.match(text)
    if not found:
        raise XeroValidation([f"The where clause could not be parsed: {text}"])
    path = found["path"]
    if found["method"]:
        arg, method = found["arg"].lower(), found["method"]
        tests: dict[str, Callable[[str], bool]] = {
            "Contains": lambda v: arg in v,
            "StartsWith": lambda v: v.startswith(arg),
            "EndsWith": lambda v: v.endswith(arg),
        }
        test = tests[method]
        return lambda doc: isinstance(_lookup(doc, path), str) and test(_lookup(doc, path).lower())
    op, expected = found["op"], _literal(found["value"])

    def compare(doc: dict[str, Any]) -> bool:
        actual = _norm(_lookup(doc, path))
        if op == "==":
            return bool(actual == expected)
        if op == "!=":
            return bool(actual != expected)
        try:
            return bool(
                {
                    ">": actual > expected,
                    ">=": actual >= expected,
                    "<": actual < expected,
                    "<=": actual <= expected,
                }[op]
            )
        except TypeError:
            return False

    return compare
