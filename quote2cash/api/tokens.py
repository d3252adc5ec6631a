"""Scoped bearer tokens: who is calling, and which roles their token grants.

The ops token (``Q2C_OPS_TOKEN``) is subject ``ops`` with every role; scoped tokens
(``Q2C_API_TOKENS``) grant only theirs; the codec token (``Q2C_CODEC_TOKEN``) only
``codec``, decrypting payloads for the Temporal UI. An endpoint asks for a role with
``require(role)``; approval Updates get the caller's subject and roles and decide
themselves (the workflow's validator is where segregation of duties is enforced).

    ApiError
     └── Forbidden  403  a valid token without the role this endpoint needs
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from quote2cash.api.deps import StateDep, bearer_token
from quote2cash.api.errors import ApiError, EndpointDisabled, Unauthorized
from quote2cash.messages import ROLE_APPROVER
from quote2cash.settings import Settings

ROLE_OPS = "ops"
ROLE_PROVISIONING = "provisioning"
ROLE_USAGE = "usage"
ROLE_CODEC = "codec"
ALL_ROLES = (ROLE_OPS, ROLE_APPROVER, ROLE_PROVISIONING, ROLE_USAGE, ROLE_CODEC)


class Forbidden(ApiError):
    status_code = 403


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: tuple[str, ...]


def principal_of(settings: Settings, presented: str | None) -> Principal:
    """The caller behind ``presented``; every configured token is compared in constant
    time, and none configured disables the endpoints (an empty token matches nothing)."""
    known = [(t.token, Principal(t.subject, tuple(t.roles))) for t in settings.api_tokens]
    if settings.ops_token:
        known.append((settings.ops_token, Principal(ROLE_OPS, ALL_ROLES)))
    if settings.codec_token:
        known.append((settings.codec_token, Principal(ROLE_CODEC, (ROLE_CODEC,))))
    if not known:
        raise EndpointDisabled("no API tokens configured (Q2C_OPS_TOKEN, Q2C_API_TOKENS)")
    if presented is None:
        raise Unauthorized("missing 'Authorization: Bearer <token>' header")
    found = None
    for token, who in known:
        if hmac.compare_digest(presented.encode(), token.encode()):
            found = who
    if found is None:
        raise Unauthorized("unknown token" if settings.api_tokens else "wrong ops token")
    return found


def caller(request: Request, state: StateDep) -> Principal:
    return principal_of(state.settings, bearer_token(request))


CallerDep = Annotated[Principal, Depends(caller)]


def require(role: str) -> Callable[[Principal], Principal]:
    def check(who: CallerDep) -> Principal:
        if role not in who.roles:
            raise Forbidden(f"{who.subject} does not hold the {role!r} role")
        return who

    return check
