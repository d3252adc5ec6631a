"""Body size limits: a request body larger than its endpoint allows is refused with 413
before it is read whole.

An ASGI middleware, so the cap holds for every route, including those that read the
stream themselves (webhooks verify signatures over the raw body). A declared
``Content-Length`` above the limit is refused at once, without reading a byte; a body
without one (chunked) is counted while it streams and refused as soon as it passes the
limit. Nothing of a refused body is stored: a 413 costs us no disk.

Evidence of requests refused after they were read (bad signature, bad shape) is kept
short (``evidence``): the first few KB, with the full length and SHA-256, so an
attacker's 20 MB of noise costs a few KB per request.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVIDENCE_BYTES = 4096
"""How much of a refused body is stored as evidence."""
ENDPOINT_LIMITS: dict[str, int] = {
    # A meter's batch of usage events (up to the relay's batch size) and the Temporal
    # UI's payloads (Temporal allows 2 MB each, base64 in JSON) are legitimately larger.
    "/subscriptions/*/usage": 4 * 1024 * 1024,
    "/codec/*": 8 * 1024 * 1024,
}


@dataclass(frozen=True)
class Evidence:
    """What is kept of a refused body: its head, its full length and digest."""

    head: bytes
    length: int
    sha256: str

    @classmethod
    def of(cls, body: bytes) -> Evidence:
        return cls(body[:EVIDENCE_BYTES], len(body), hashlib.sha256(body).hexdigest())

    @property
    def truncated(self) -> bool:
        return len(self.head) < self.length

    def note(self) -> str:
        kept = f"first {len(self.head)} stored" if self.truncated else "stored whole"
        return f"body {self.length} bytes, sha256 {self.sha256} ({kept})"


class PayloadTooLarge(StarletteHTTPException):
    """Raised from the body stream: FastAPI lets an HTTP exception through its body
    parsing (any other becomes a 400), and the one error handler answers it."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body above this endpoint's {limit} bytes")


def limit_for(path: str, default: int, overrides: Mapping[str, int]) -> int:
    for pattern, limit in overrides.items():
        if fnmatch.fnmatchcase(path, pattern):
            return limit
    return default


class BodyLimit:
    """Refuses (413) request bodies above the endpoint's limit, before reading them whole."""

    def __init__(
        self, app: ASGIApp, *, default: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.overrides = dict(ENDPOINT_LIMITS if overrides is None else overrides)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], self.default, self.overrides)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except PayloadTooLarge:
            if started:
                raise
            await _refuse(send, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        {"error": "PayloadTooLarge", "detail": f"request body above this endpoint's {limit} bytes"}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
