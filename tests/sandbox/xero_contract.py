"""Xero's published OpenAPI spec as a test oracle for the client and the emulator.

Every request the Xero client sends and every response the emulator returns in these
tests passes through ``ContractChecker`` (an httpx event hook). Responses whose status
the spec does not declare for the operation (401, 403, 404, 429, 5xx) are counted but not
validated: the published spec has no schema for them.

The spec (``../shared/vendor-specs/xero/xero_accounting.yaml``) is loaded once per
session. It declares many booleans with ``default: "false"`` (a string), which strict
validators reject; those are corrected in memory, never in the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC = (
    Path(__file__).resolve().parents[2]
    / ".."
    / "shared"
    / "vendor-specs"
    / "xero"
    / "xero_accounting.yaml"
)
SPEC_HOST = "https://api.xero.com"


def _fix_booleans(node: Any) -> int:
    """Turn ``"false"``/``"true"`` defaults and examples of booleans into booleans."""
    fixed = 0
    if isinstance(node, dict):
        if node.get("type") == "boolean":
            for key in ("default", "example"):
                if isinstance(node.get(key), str):
                    node[key] = node[key].strip().lower() == "true"
                    fixed += 1
        for child in node.values():
            fixed += _fix_booleans(child)
    elif isinstance(node, list):
        for child in node:
            fixed += _fix_booleans(child)
    return fixed


@lru_cache(maxsize=1)
def xero_openapi() -> OpenAPI:
    if not SPEC.exists():
        pytest.skip(f"Xero OpenAPI spec not found at {SPEC} (the shared vendor-specs folder)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(SPEC.read_text(), Loader=loader)  # noqa: S506 - a safe loader
    _fix_booleans(spec)
    return OpenAPI.from_dict(spec)


class _Request:
    def __init__(self, request: httpx.Request, body: bytes) -> None:
        url = urlsplit(str(request.url))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )
        self.path = url.path
        self.host_url = SPEC_HOST
        self.method = request.method.lower()
        self.body = body or None
        self.content_type = request.headers.get("content-type", "application/json")


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.data = response.content
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0]
        self.headers = Headers(dict(response.headers))


@dataclass
class ContractChecker:
    """httpx hooks that validate Xero traffic; failures are collected, then asserted."""

    requests_checked: int = 0
    responses_checked: int = 0
    responses_undeclared: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def declared(self, method: str, path: str, status: int) -> bool:
        spec = xero_openapi().spec
        template = self._template(path)
        if template is None:
            return False
        operation = (spec / "paths" / template / method.lower()).read_value()
        return str(status) in operation.get("responses", {})

    def _template(self, path: str) -> str | None:
        relative = path.removeprefix("/api.xro/2.0")
        paths = (xero_openapi().spec / "paths").read_value()
        parts = relative.strip("/").split("/")
        for template in paths:
            pieces = template.strip("/").split("/")
            if len(pieces) == len(parts) and all(
                p == q or (p.startswith("{") and p.endswith("}"))
                for p, q in zip(pieces, parts, strict=True)
            ):
                return str(template)
        return None

    async def on_request(self, request: httpx.Request) -> None:
        if not request.url.path.startswith("/api.xro/"):
            return
        try:
            with _quiet():
                xero_openapi().validate_request(_Request(request, request.content))
        except Exception as exc:
            self.failures.append(f"request {request.method} {request.url}: {_why(exc)}")
        self.requests_checked += 1

    async def on_response(self, response: httpx.Response) -> None:
        request = response.request
        if not request.url.path.startswith("/api.xro/"):
            return
        await response.aread()
        where = f"{request.method} {request.url.path} -> {response.status_code}"
        if not self.declared(request.method, request.url.path, response.status_code):
            self.responses_undeclared.append(where)
            return
        try:
            with _quiet():
                xero_openapi().validate_response(
                    _Request(request, request.content), _Response(response)
                )
        except Exception as exc:
            self.failures.append(f"response {where}: {_why(exc)}")
        self.responses_checked += 1

    def hooks(self) -> dict[str, list[Any]]:
        return {"request": [self.on_request], "response": [self.on_response]}


@contextmanager
def _quiet() -> Iterator[None]:
    # The spec declares OAuth2, which openapi-core cannot check and warns about on every
    # call; the emulator's own tests cover the bearer token and the tenant header.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Unsupported scheme type", UserWarning)
        yield


def _why(exc: Exception) -> str:
    causes = [str(exc)]
    inner = getattr(exc, "schema_errors", None) or []
    causes += [str(getattr(e, "message", e))[:300] for e in inner]
    cause = exc.__cause__
    while cause is not None:
        causes.append(str(cause)[:300])
        causes += [str(getattr(e, "message", e))[:300] for e in getattr(cause, "schema_errors", [])]
        cause = cause.__cause__
    return " | ".join(causes)


WEBHOOK_SPEC = SPEC.with_name("xero-webhooks.yaml")


@lru_cache(maxsize=1)
def _webhook_components() -> dict[str, Any]:
    if not WEBHOOK_SPEC.exists():
        pytest.skip(f"Xero webhook spec not found at {WEBHOOK_SPEC}")
    document: dict[str, Any] = yaml.safe_load(WEBHOOK_SPEC.read_text())
    return document


def webhook_errors(body: Any) -> list[str]:
    """What in a webhook body breaks ``xero-webhooks.yaml`` (OpenAPI 3.1, JSON Schema)."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry, Resource

    document = _webhook_components()
    resource = Resource.from_contents(document, default_specification=_DRAFT)
    registry: Registry[Any] = Registry().with_resource("urn:xero-webhooks", resource)
    categories = {e.get("eventCategory") for e in body.get("events", [])}
    name = "CreditNoteWebhookEvent" if categories == {"CREDITNOTE"} else "WebhookEvent"
    schema = {"$ref": f"urn:xero-webhooks#/components/schemas/{name}"}
    validator = Draft202012Validator(schema, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]


def _draft() -> Any:
    from referencing.jsonschema import DRAFT202012

    return DRAFT202012


_DRAFT = _draft()
