"""Xero's response shapes: the envelope, validation errors, auth and not-found answers.

- Success: ``{<Things>: [...]}`` (``shapes.project``: what the spec declares). Real Xero
  also sends ``Id``, ``Status``, ``ProviderName`` and ``DateTimeUTC`` around it, which
  the spec does not declare and the client must not read.
- 400: ``{"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation
  exception occurred", "Elements": [<the element's id, plus "ValidationErrors">]}``
  (real Xero echoes the whole element; the spec's ``Element`` declares only ids).
- 401/403: ``{"Type": null, "Title", "Status", "Detail": "AuthenticationUnsuccessful",
  "Instance"}`` (a missing or unknown ``xero-tenant-id`` is a 403).
- 404: plain text ``The resource you're looking for cannot be found``.

Bodies are written with ``jsoncodec`` so amounts keep their digits (``40.00``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from quote2cash.connectors import jsoncodec
from quote2cash.sandbox.common.faults import Quota
from quote2cash.sandbox.xero.oauth import ApiRefused
from quote2cash.sandbox.xero.shapes import project

NOT_FOUND_TEXT = "The resource you're looking for cannot be found"


class XeroJSON(Response):
    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        return jsoncodec.dumps(content)


class XeroValidation(Exception):
    """A 400 in Xero's shape; ``element`` is echoed back with its ``ValidationErrors``."""

    def __init__(self, messages: list[str], element: dict[str, Any] | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
        self.element = element

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
        }
        errors = [{"Message": m} for m in self.messages]
        body["Elements"] = [
            project("Element", {**(self.element or {}), "ValidationErrors": errors})
        ]
        return body


class XeroNotFound(Exception):
    pass


class XeroAuthFailed(Exception):
    def __init__(self, status: int) -> None:
        super().__init__("AuthenticationUnsuccessful")
        self.status = status


def auth_body(status: int, detail: str = "AuthenticationUnsuccessful") -> dict[str, Any]:
    return {
        "Type": None,
        "Title": "Unauthorized" if status == 401 else "Forbidden",
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
    }


async def handle_refused(_: Request, exc: Exception) -> Response:
    """A token refused: 401 says so in ``WWW-Authenticate`` too, which is what a client
    reads to know that a fresh token may help."""
    assert isinstance(exc, ApiRefused)
    headers = {}
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return XeroJSON(auth_body(exc.status, exc.detail), status_code=exc.status, headers=headers)


async def handle_validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, XeroValidation)
    return XeroJSON(exc.body(), status_code=400)


async def handle_not_found(_: Request, exc: Exception) -> Response:
    return PlainTextResponse(NOT_FOUND_TEXT, status_code=404)


async def handle_auth(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, XeroAuthFailed)
    return XeroJSON(auth_body(exc.status), status_code=exc.status)


def rate_headers(quota: Quota | None, problem: str | None) -> dict[str, str]:
    """Xero's per-tenant minute count and the limit a 429 hit; the day and app-wide
    counts are not emulated."""
    headers = {} if quota is None else {"X-MinLimit-Remaining": str(quota.remaining)}
    if problem:
        headers["X-Rate-Limit-Problem"] = problem
    return headers


def render_fault(status: int, headers: dict[str, str]) -> tuple[bytes, str]:
    """Injected faults, worded as Xero words them."""
    if status == 429:
        problem = headers.setdefault("X-Rate-Limit-Problem", "minute")
        return f"You have exceeded the {problem} rate limit".encode(), "text/plain; charset=utf-8"
    if status in (401, 403):
        return json.dumps(auth_body(status)).encode(), "application/json"
    body = {"Title": "An error occurred", "Status": status, "Detail": "Service unavailable"}
    return json.dumps(body).encode(), "application/json"
