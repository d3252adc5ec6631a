"""Codec server for the Temporal Web UI: decrypts payloads for people reading a deal.

The UI (started with ``--ui-codec-endpoint <api>/codec``) posts proto-JSON payloads to
``/codec/decode`` from the browser, hence CORS for the UI's origin. Mounted in dev mode
only: decoding is unauthenticated, and in production it must sit behind the UI's own
authentication instead of being open on the API.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from quote2cash.api.errors import BadPayload
from quote2cash.settings import Settings
from quote2cash.temporal import EncryptionCodec, payload_key


def _payloads(body: dict[str, Any]) -> Payloads:
    try:
        return json_format.ParseDict(body, Payloads(), ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise BadPayload(f"not a payloads document: {exc}") from None


def _answer(payloads: list[Any]) -> dict[str, Any]:
    return json_format.MessageToDict(Payloads(payloads=payloads))


def install(app: FastAPI, settings: Settings) -> None:
    if settings.mode != "dev":
        return
    codec = EncryptionCodec(payload_key(settings))
    router = APIRouter(prefix="/codec", tags=["codec"])

    @router.post("/decode")
    async def decode(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        return _answer(await codec.decode(_payloads(body).payloads))

    @router.post("/encode")
    async def encode(body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
        return _answer(await codec.encode(_payloads(body).payloads))

    app.include_router(router)
    ui = settings.temporal_ui_port
    app.add_middleware(
        CORSMiddleware,
        allow_origins=[f"http://127.0.0.1:{ui}", f"http://localhost:{ui}"],
        allow_methods=["POST", "GET", "OPTIONS"],
        allow_headers=["content-type", "x-namespace", "authorization"],
        allow_credentials=True,
    )
