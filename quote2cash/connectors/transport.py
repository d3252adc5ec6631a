"""One request path for every vendor client: send, parse exactly, map failures.

Each client supplies ``messages_of(body) -> list[str]`` that reads its vendor's error
body; everything else (status to class, ``Retry-After``, transport failures) is shared
so that HubSpot and Xero errors look the same to the activities.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from quote2cash.connectors import jsoncodec
from quote2cash.connectors.errors import (
    Conflict,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
    ValidationFailed,
    VendorError,
    parse_retry_after,
)
from quote2cash.connectors.ratelimit import DEFAULT_BUCKET, RateLimiter

MessagesOf = Callable[[Any], list[str]]
Params = Mapping[str, str | int]


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    vendor: str,
    messages_of: MessagesOf,
    headers: Mapping[str, str],
    params: Params | None = None,
    json_body: Any = None,
    limiter: RateLimiter | None = None,
    bucket: str = DEFAULT_BUCKET,
) -> Any:
    """Send one request and return its parsed JSON body (numbers with fractions as Decimal).

    With a ``limiter``, the request waits for its turn first (or raises ``RateLimited``
    without being sent), and the response's rate-limit headers correct the limiter."""
    content = None if json_body is None else jsoncodec.dumps(json_body)
    all_headers = {"Accept": "application/json", **headers}
    if content is not None:
        all_headers["Content-Type"] = "application/json"
    async with limiter.slot(bucket) if limiter else contextlib.nullcontext() as turn:
        try:
            response = await http.request(
                method, url, params=params, content=content, headers=all_headers
            )
        except httpx.TimeoutException as exc:
            if turn is not None:
                turn.abandon()
            raise Unavailable(vendor, f"timed out: {method} {url}") from exc
        except httpx.TransportError as exc:
            raise Unavailable(vendor, f"{type(exc).__name__}: {method} {url}") from exc
    if limiter:
        limiter.observe(response.status_code, response.headers)
    try:
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise error_for(response, vendor=vendor, messages_of=messages_of) from exc
    if not response.content:
        return None
    try:
        return jsoncodec.loads(response.content)
    except ValueError as exc:
        raise Unavailable(vendor, f"unreadable response body ({response.status_code})") from exc


def error_for(response: httpx.Response, *, vendor: str, messages_of: MessagesOf) -> VendorError:
    """The most specific error for a failed response, carrying the vendor's own words."""
    status = response.status_code
    messages = _messages(response, messages_of)
    detail = "; ".join(messages) or response.reason_phrase or f"HTTP {status}"
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited(vendor, detail, status=status, retry_after=retry_after)
    if status >= 500:
        return Unavailable(vendor, detail, status=status)
    if status in (401, 403):
        return Unauthorized(vendor, detail, status=status)
    if status == 404:
        return NotFound(vendor, detail, status=status)
    if status == 409:
        return Conflict(vendor, detail, status=status)
    return ValidationFailed(vendor, detail, status=status, messages=messages)


def _messages(response: httpx.Response, messages_of: MessagesOf) -> list[str]:
    try:
        body = jsoncodec.loads(response.content) if response.content else None
    except ValueError:
        text = response.text.strip()
        return [text[:500]] if text else []
    found = messages_of(body) if body is not None else []
    return [m for m in found if m]
