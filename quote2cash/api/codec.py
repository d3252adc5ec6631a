"""Codec server for the Temporal Web UI: decrypts payloads for people reading a deal.

Decrypting is reading customers' data, so it always needs a token with the ``codec``
role (``Q2C_CODEC_TOKEN``, a scoped token holding it, or the ops token), in every mode;
without one the payloads stay ciphertext. Two ways to present it:

- ``POST /codec/decode`` with ``Authorization: Bearer <token>``: a Temporal UI that
  signs its users in and is configured to pass their access token to the codec
  (``TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true``), or any script;
- ``POST /codec/t/<token>/decode``: the token in the endpoint the UI is configured
  with. The dev server's embedded UI (``temporal server start-dev``) has no sign-in and
  no flag to pass a token: ``--ui-codec-endpoint`` is all it takes, and the UI posts to
  ``<endpoint>/decode``. The embedded stack therefore configures
  ``<api>/codec/t/<codec token>``: whoever can read the UI's settings (loopback only)
  can decode, an anonymous caller cannot. The token grants nothing but decoding.

The UI calls from the browser, hence CORS, for the UI's origins only
(``Q2C_CODEC_CORS_ORIGINS``); a preflight from any other origin is refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from quote2cash.api.deps import StateDep, bearer_token
from quote2cash.api.errors import BadPayload
from quote2cash.api.tokens import ROLE_CODEC, Forbidden, Principal, principal_of
from quote2cash.settings import Settings
from quote2cash.temporal import EncryptionCodec, payload_key

PREFIX = "/codec"
PayloadsBody = Annotated[dict[str, Any], Body()]


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        return json_format.ParseDict(body, Payloads(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise BadPayload(f"not a payloads document: {exc}") from None


def _answer(payloads: list[Any]) -> dict[str, Any]:
    return json_format.MessageToDict(Payloads(payloads=payloads))


def _holder(who: Principal) -> Principal:
    if ROLE_CODEC not in who.roles:
        raise Forbidden(f"{who.subject} does not hold the {ROLE_CODEC!r} role")
    return who


def bearer_holder(request: Request, state: StateDep) -> Principal:
    return _holder(principal_of(state.settings, bearer_token(request)))


def path_holder(token: str, state: StateDep) -> Principal:
    return _holder(principal_of(state.settings, token or None))


def _routes(router: APIRouter, codec: EncryptionCodec) -> None:
    async def decode(body: PayloadsBody) -> dict[str, Any]:
        return _answer(await codec.decode(_payloads(body).payloads))

    async def encode(body: PayloadsBody) -> dict[str, Any]:
        return _answer(await codec.encode(_payloads(body).payloads))

    for prefix, holder in (("", bearer_holder), ("/t/{token}", path_holder)):
        guard = [Depends(holder)]
        router.add_api_route(f"{prefix}/decode", decode, methods=["POST"], dependencies=guard)
        router.add_api_route(f"{prefix}/encode", encode, methods=["POST"], dependencies=guard)


def install(app: FastAPI, settings: Settings) -> None:
    router = APIRouter(prefix=PREFIX, tags=["codec"])
    _routes(router, EncryptionCodec(payload_key(settings)))
    app.include_router(router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.codec_cors_origins),
        allow_methods=["POST", "OPTIONS"],
        allow_headers=["content-type", "x-namespace", "authorization"],
        allow_credentials=True,
    )
