"""FastAPI dependencies: the application state and the ops bearer token."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.engine import Engine

from quote2cash.api.errors import EndpointDisabled, Unauthorized
from quote2cash.api.gateway import TemporalGateway
from quote2cash.api.relay import Relay
from quote2cash.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    gateway: TemporalGateway
    relay: Relay
    clock: Callable[[], datetime]


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.q2c
    return state


StateDep = Annotated[AppState, Depends(app_state)]


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def check_ops_token(settings: Settings, presented: str | None) -> None:
    """Constant-time comparison; an empty configured token disables the endpoints, since
    an empty token would be matched by an empty header."""
    expected = settings.ops_token
    if not expected:
        raise EndpointDisabled("ops endpoints are disabled: Q2C_OPS_TOKEN is not set")
    if presented is None:
        raise Unauthorized("missing 'Authorization: Bearer <ops token>' header")
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise Unauthorized("wrong ops token")


def require_ops(request: Request, state: StateDep) -> None:
    check_ops_token(state.settings, bearer_token(request))


OpsDep = Depends(require_ops)
