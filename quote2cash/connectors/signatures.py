"""Webhook signatures of the vendors, for the emulators (sign) and ingress (verify).

- HubSpot request signature v3: ``X-HubSpot-Signature-v3`` is base64 HMAC-SHA256, keyed
  with the app's client secret, of ``method + uri + body + timestamp``;
  ``X-HubSpot-Request-Timestamp`` (milliseconds) must be at most five minutes old.
- Xero: ``x-xero-signature`` is base64 HMAC-SHA256 of the raw body, keyed with the
  webhook key.

Verification compares in constant time and refuses an empty key: an empty secret
verifies against an empty key, which anyone can forge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HUBSPOT_SIGNATURE = "X-HubSpot-Signature-v3"
HUBSPOT_TIMESTAMP = "X-HubSpot-Request-Timestamp"
XERO_SIGNATURE = "x-xero-signature"
MAX_AGE_MS = 5 * 60 * 1000


class SignatureError(ValueError):
    """The request is not signed by who it claims to come from (answer 401)."""


def _hmac_b64(key: str, message: bytes) -> str:
    if not key:
        raise SignatureError("no signing secret configured: endpoint disabled")
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def sign_hubspot_v3(secret: str, *, method: str, uri: str, body: bytes, timestamp_ms: int) -> str:
    message = method.upper().encode() + uri.encode() + body + str(timestamp_ms).encode()
    return _hmac_b64(secret, message)


def verify_hubspot_v3(
    secret: str,
    *,
    method: str,
    uri: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now_ms: int,
) -> None:
    """Raise ``SignatureError`` saying what is wrong, or return quietly."""
    if not signature or not timestamp:
        raise SignatureError(f"missing {HUBSPOT_SIGNATURE} or {HUBSPOT_TIMESTAMP} header")
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError(f"{HUBSPOT_TIMESTAMP} is not milliseconds: {timestamp!r}") from None
    if abs(now_ms - ts) > MAX_AGE_MS:
        raise SignatureError("stale request: timestamp is more than 5 minutes from now")
    expected = sign_hubspot_v3(secret, method=method, uri=uri, body=body, timestamp_ms=ts)
    if not hmac.compare_digest(expected, signature):
        raise SignatureError("signature does not match (check the app's client secret)")


def sign_xero(key: str, body: bytes) -> str:
    return _hmac_b64(key, body)


def verify_xero(key: str, *, body: bytes, signature: str | None) -> None:
    if not signature:
        raise SignatureError(f"missing {XERO_SIGNATURE} header")
    if not hmac.compare_digest(sign_xero(key, body), signature):
        raise SignatureError("signature does not match (check the webhook key)")


PAYMENT_SIGNATURE = "Stripe-Signature"


def sign_payment(secret: str, body: bytes, timestamp: int) -> str:
    """Stripe-style ``Stripe-Signature`` header: ``t=<unix>,v1=<hex HMAC of "t.body">``."""
    if not secret:
        raise SignatureError("no signing secret configured: endpoint disabled")
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify_payment(secret: str, *, body: bytes, header: str | None, now: int) -> None:
    """Any ``v1`` in the header may match (secret rotation); the timestamp must be within
    five minutes, so a captured request cannot be replayed later."""
    if not header:
        raise SignatureError(f"missing {PAYMENT_SIGNATURE} header")
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    signatures = [v for k, v in parts if k.strip() == "v1"]
    if not stamps or not stamps[0].isdigit() or not signatures:
        raise SignatureError(f"{PAYMENT_SIGNATURE} needs t=<unix time> and v1=<signature>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > MAX_AGE_MS // 1000:
        raise SignatureError("stale request: timestamp is more than 5 minutes from now")
    expected = sign_payment(secret, body, timestamp).split("v1=", 1)[1]
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise SignatureError("signature does not match (check the payments webhook secret)")
