"""HubSpot's error shape: ``{status: "error", category, message, correlationId, ...}``."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from quote2cash.sandbox.common.faults import Quota

CATEGORIES = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}


class HubSpotError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        category: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
        links: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.links = links
        self.status = status
        self.message = message
        self.category = category or CATEGORIES.get(status, "INTERNAL_ERROR")
        self.errors = errors
        self.context = context

    def body(self) -> dict[str, Any]:
        body = error_body(
            self.status, self.message, self.category, errors=self.errors, context=self.context
        )
        if self.links:
            body["links"] = self.links
        return body


def error_body(
    status: int,
    message: str,
    category: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    context: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category or CATEGORIES.get(status, "INTERNAL_ERROR"),
    }
    if errors:
        body["errors"] = errors
    if context:
        body["context"] = context
    return body


def invalid_value(
    name: str, value: str, expected: str, error: str = "INVALID_OPTION"
) -> HubSpotError:
    """HubSpot's refusal of one property value, with the JSON detail it nests in ``message``."""
    message = f"{value} was not {expected}"
    detail = {"isValid": False, "message": message, "error": error, "name": name}
    return HubSpotError(
        400,
        f"Property values were not valid: {json.dumps([detail])}",
        errors=[{"message": message, "code": error, "context": {"propertyName": [name]}}],
    )


def not_found(object_id: str) -> HubSpotError:
    return HubSpotError(
        404, "resource not found", context={"id": [object_id]}, category="OBJECT_NOT_FOUND"
    )


async def handle(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubSpotError)
    return JSONResponse(exc.body(), status_code=exc.status)


def rate_headers(quota: Quota | None, problem: str | None) -> dict[str, str]:
    """HubSpot's rolling-window headers, for the window of the configured quota."""
    if quota is None:
        return {}
    return {
        "X-HubSpot-RateLimit-Max": str(quota.limit),
        "X-HubSpot-RateLimit-Remaining": str(quota.remaining),
        "X-HubSpot-RateLimit-Interval-Milliseconds": str(quota.window_seconds * 1000),
    }


def render_fault(status: int, headers: dict[str, str]) -> tuple[bytes, str]:
    """Error bodies for injected faults, as HubSpot words them."""
    messages = {
        429: "You have reached your ten_secondly_rolling limit.",
        502: "Bad gateway",
        503: "Service unavailable",
    }
    body = error_body(status, messages.get(status, "internal error"))
    if status == 429:
        body["policyName"] = "TEN_SECONDLY_ROLLING"
    return json.dumps(body).encode(), "application/json;charset=utf-8"
