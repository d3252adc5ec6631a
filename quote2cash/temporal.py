"""Temporal plumbing shared by every process: the data converter, search attributes, connect.

Payloads are pydantic JSON, then encrypted with AES-256-GCM before they leave the
process, so the Temporal server (and its UI) never holds customer data in clear text.
Failure messages are encoded too: a vendor's validation message can quote an address.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.client import (
    Client,
    Interceptor,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from quote2cash.keys import aes_key
from quote2cash.search_attributes import (
    SA_AMOUNT,
    SA_ATTENTION,
    SA_CURRENCY,
    SA_CUSTOMER_ID,
    SA_DEAL_ID,
    SA_INVOICE_NUMBER,
    SA_STAGE,
    SEARCH_ATTRIBUTES,
)
from quote2cash.settings import Settings

__all__ = [
    "SA_AMOUNT",
    "SA_ATTENTION",
    "SA_CURRENCY",
    "SA_CUSTOMER_ID",
    "SA_DEAL_ID",
    "SA_INVOICE_NUMBER",
    "SA_STAGE",
    "SEARCH_ATTRIBUTES",
]

ENCODING = b"binary/q2c-aes256gcm"
KEY_ID = b"q2c-key-id"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over each serialized payload; the key id travels in metadata so a
    key rotation can decode old histories with the old key."""

    def __init__(self, key: bytes, key_id: str = "k1") -> None:
        if len(key) != 32:
            raise ValueError("payload key must be 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(key)
        self._key_id = key_id.encode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            nonce = os.urandom(12)
            sealed = self._aead.encrypt(nonce, p.SerializeToString(), None)
            meta = {"encoding": ENCODING, KEY_ID.decode(): self._key_id}
            out.append(Payload(metadata=meta, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                out.append(p)
                continue
            if p.metadata.get(KEY_ID.decode()) != self._key_id:
                raise ValueError("payload was encrypted with another key id")
            plain = self._aead.decrypt(p.data[:12], p.data[12:], None)
            decoded = Payload()
            decoded.ParseFromString(plain)
            out.append(decoded)
        return out


def data_converter(key: bytes) -> DataConverter:
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(key),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def payload_key(settings: Settings) -> bytes:
    """The configured key, or in dev mode a key file created once under ``var_dir``."""
    return aes_key(settings.payload_key, settings.var_dir, "payload.key")


async def connect(settings: Settings, interceptors: Iterable[Interceptor] = ()) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(payload_key(settings)),
        interceptors=list(interceptors),
    )


async def put_schedule(client: Client, schedule_id: str, wanted: Schedule) -> None:
    """Create the schedule, or bring an existing one to ``wanted`` (its spec, action and
    policy): idempotent, so every worker start may ask, and a changed setting applies."""
    try:
        await client.create_schedule(schedule_id, wanted)
    except ScheduleAlreadyRunningError:

        def update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule = current.description.schedule
            schedule.spec, schedule.action = wanted.spec, wanted.action
            schedule.policy = wanted.policy
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(update)
