"""Vendor connections: the row, its lock, and its token set sealed with AES-256-GCM.

The token set (access token, its expiry and lifetime, refresh token) is one JSON document
encrypted as a whole; the associated data binds it to its row's vendor and tenant, so a
sealed blob copied onto another row does not open. The key is ``Q2C_CONNECTION_KEY``
(``quote2cash.keys``); its id is the blob's first byte-string before the nonce.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlmodel import Session, select

from quote2cash.store.models import VendorConnection

SEAL_VERSION = b"v1:"
NONCE_BYTES = 12


class ConnectionMissing(LookupError):
    """No stored connection for the vendor (and tenant) asked for."""


class SealBroken(ValueError):
    """A sealed token set that this key cannot open (another key, or tampered)."""


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_at: float
    """Epoch seconds."""
    lifetime: float
    """Seconds the access token was issued for: the refresh margin is a share of it."""
    refresh_token: str | None = None

    def __repr__(self) -> str:
        # Never print a token, not even in a traceback's locals.
        return f"TokenSet(expires_at={self.expires_at}, lifetime={self.lifetime})"


class Sealer:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, tokens: TokenSet, vendor: str, tenant_id: str) -> bytes:
        plain = json.dumps(tokens.__dict__).encode()
        nonce = os.urandom(NONCE_BYTES)
        return SEAL_VERSION + nonce + self._aead.encrypt(nonce, plain, _aad(vendor, tenant_id))

    def open(self, sealed: bytes, vendor: str, tenant_id: str) -> TokenSet:
        if not sealed.startswith(SEAL_VERSION):
            raise SealBroken("unknown sealed token format")
        body = sealed[len(SEAL_VERSION) :]
        try:
            plain = self._aead.decrypt(
                body[:NONCE_BYTES], body[NONCE_BYTES:], _aad(vendor, tenant_id)
            )
        except InvalidTag as exc:
            raise SealBroken("the connection key cannot open these tokens") from exc
        return TokenSet(**json.loads(plain))


def _aad(vendor: str, tenant_id: str) -> bytes:
    return f"{vendor}\n{tenant_id.lower()}".encode()


def find(session: Session, vendor: str, tenant_id: str = "") -> VendorConnection:
    """The vendor's connection to ``tenant_id``, or with an empty id its only one."""
    query = select(VendorConnection).where(VendorConnection.vendor == vendor)
    if tenant_id:
        query = query.where(sa.func.lower(VendorConnection.tenant_id) == tenant_id.lower())
    found = list(session.exec(query))
    if len(found) != 1:
        which = f"tenant {tenant_id}" if tenant_id else f"{len(found)} stored"
        raise ConnectionMissing(f"no single {vendor} connection ({which})")
    return found[0]


def lock(session: Session, connection_id: int) -> VendorConnection:
    """The row, locked until the transaction ends: ``FOR UPDATE`` on PostgreSQL; on SQLite
    the unit of work's ``BEGIN IMMEDIATE`` already holds the database's write lock."""
    query = select(VendorConnection).where(VendorConnection.id == connection_id)
    found = session.exec(query.with_for_update()).one_or_none()
    if found is None:
        raise ConnectionMissing(f"connection {connection_id} was removed")
    return found


def replace(session: Session, connection: VendorConnection) -> VendorConnection:
    """Store ``connection``, replacing the vendor's row for the same tenant (reconnect)."""
    query = select(VendorConnection).where(
        VendorConnection.vendor == connection.vendor,
        sa.func.lower(VendorConnection.tenant_id) == connection.tenant_id.lower(),
    )
    existing = session.exec(query.with_for_update()).one_or_none()
    if existing is not None:
        connection.id = existing.id
        connection.created_at = existing.created_at
        connection = session.merge(connection)
    else:
        session.add(connection)
    session.flush()
    return connection


def states(session: Session) -> list[VendorConnection]:
    """Every stored connection (for health: status only, the tokens stay sealed)."""
    return list(session.exec(select(VendorConnection).order_by(VendorConnection.vendor)))
