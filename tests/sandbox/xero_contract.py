"""Xero's published OpenAPI spec as a test oracle for the client and the emulator.

Every request the Xero client sends and every response the emulator returns in these
tests passes through ``ContractChecker`` (an httpx event hook). Responses whose status
the spec does not declare for the operation (401, 403, 404, 429, 5xx) are counted but not
validated: the published spec has no schema for them.

A declared response is checked twice: by openapi-core (types, required properties) and
for properties its schema does not declare, at any depth (``xero_spec.undeclared``): the
spec's schemas allow extra properties, and a field Xero never sends is one our code
must never learn to read.
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import yaml  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.sandbox.xero_spec import SPEC, response_schema, undeclared, xero_spec

SPEC_HOST = "https://api.xero.com"


@lru_cache(maxsize=1)
def xero_openapi() -> OpenAPI:
    return OpenAPI.from_dict(copy.deepcopy(xero_spec()))


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
    operations: set[tuple[str, str, int]] = field(default_factory=set)
    """(method, the spec's path template, status) of every response checked."""

    def declared(self, method: str, path: str, status: int) -> bool:
        template = template_of(method, path)
        if template is None:
            return False
        operation = xero_spec()["paths"][template][method.lower()]
        return str(status) in operation.get("responses", {})

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
        self.failures += [
            f"response {where}: {p} is not in Xero's schema" for p in self._extra(response)
        ]
        self.responses_checked += 1
        template = template_of(request.method, request.url.path)
        self.operations.add((request.method, str(template), response.status_code))

    def _extra(self, response: httpx.Response) -> list[str]:
        request = response.request
        template = template_of(request.method, request.url.path)
        assert template is not None  # declared() found it
        schema = response_schema(template, request.method, response.status_code)
        if schema is None:
            return []
        try:
            body = json.loads(response.content)
        except ValueError:
            return []  # openapi-core already reported a body that is not JSON
        return undeclared(schema, body)

    def hooks(self) -> dict[str, list[Any]]:
        return {"request": [self.on_request], "response": [self.on_response]}


def template_of(method: str, path: str) -> str | None:
    """The spec's path template of a request: literal segments first, then any template
    with a parameter there, among those that declare the method."""
    parts = path.removeprefix("/api.xro/2.0").strip("/").split("/")
    found = []
    for template, operations in xero_spec()["paths"].items():
        pieces = str(template).strip("/").split("/")
        if method.lower() not in operations or len(pieces) != len(parts):
            continue
        pairs = list(zip(pieces, parts, strict=True))
        if all(p == q or (p.startswith("{") and p.endswith("}")) for p, q in pairs):
            found.append((sum(p != q for p, q in pairs), str(template)))
    return min(found)[1] if found else None


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
