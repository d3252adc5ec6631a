"""Errors of the API boundary and the one handler that answers them.

    ApiError                      {"error": <class name>, "detail": ...}
     ├── BadSignature        401  not signed by who it claims (or stale timestamp)
     ├── Unauthorized        401  missing or wrong ops bearer token
     ├── EndpointDisabled    403  its secret is not configured
     ├── BadPayload          400  not JSON
     ├── WrongShape          422  JSON, but not the shape the sender promised
     ├── NotFound            404
     ├── Conflict            409  e.g. replaying a rejected message
     │   (PayloadTooLarge    413  a body above the endpoint's limit: limits.py)
     │   (DealClosed         409  an action on a deal whose workflow ended: closed.py)
     └── TemporalUnavailable 503  Temporal cannot be reached right now

FastAPI's own validation errors and HTTP errors are answered in the same format, so a
caller parses one shape whatever went wrong.
"""

from __future__ import annotations

from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from quote2cash.error_types import HTTP_ERROR, NOT_FOUND, PAYLOAD_TOO_LARGE, WRONG_SHAPE


class ApiError(Exception):
    status_code: ClassVar[int] = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadSignature(ApiError):
    status_code = 401


class Unauthorized(ApiError):
    status_code = 401


class EndpointDisabled(ApiError):
    status_code = 403


class BadPayload(ApiError):
    status_code = 400


class WrongShape(ApiError):
    status_code = 422


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class TemporalUnavailable(ApiError):
    status_code = 503


def error_body(error: str, detail: Any) -> dict[str, Any]:
    return {"error": error, "detail": detail}


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(
        error_body(type(exc).__name__, exc.detail), status_code=exc.status_code, headers=headers
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return JSONResponse(error_body(WRONG_SHAPE, problems), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = {404: NOT_FOUND, 413: PAYLOAD_TOO_LARGE}.get(exc.status_code, HTTP_ERROR)
    return JSONResponse(error_body(name, exc.detail), status_code=exc.status_code)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
