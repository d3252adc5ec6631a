"""Xero's identity and connection endpoints, on the emulator's one host.

- ``GET  /identity/connect/authorize``  (Xero: login.xero.com) consents at once, 302 back
- ``POST /connect/token``               (identity.xero.com) the three grants
- ``POST /connect/revocation``          (identity.xero.com) revokes a refresh token's grant
- ``GET  /connections``, ``DELETE /connections/{id}`` (api.xero.com) bearer only
- ``GET  /_sandbox/oauth``              counters; ``POST /_sandbox/oauth/revoke``,
  ``POST /_sandbox/oauth/expire`` for tests and demos
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote, urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from quote2cash.sandbox.xero.config import OAuthClient
from quote2cash.sandbox.xero.oauth import ApiRefused, Grant, Identity, OAuthError

router = APIRouter()
admin = APIRouter(prefix="/_sandbox/oauth", tags=["sandbox admin"])


def identity(request: Request) -> Identity:
    found: Identity = request.app.state.identity
    return found


IdentityDep = Annotated[Identity, Depends(identity)]


def bearer_grant(request: Request, ident: IdentityDep) -> Grant:
    header = request.headers.get("authorization") or ""
    if not header.lower().startswith("bearer "):
        raise ApiRefused(401, "AuthenticationUnsuccessful")
    return ident.bearer(header[7:].strip())


GrantDep = Annotated[Grant, Depends(bearer_grant)]


def _error_page(status: int, text: str) -> HTMLResponse:
    body = f"<html><body><h1>Sorry, something went wrong</h1><p>{text}</p></body></html>"
    return HTMLResponse(body, status_code=status)


@router.get("/identity/connect/authorize", response_model=None)
async def authorize(request: Request, ident: IdentityDep) -> Response:
    q = request.query_params
    client = ident.client(q.get("client_id", ""))
    redirect_uri = q.get("redirect_uri", "")
    # Without a known client and its registered redirect there is nowhere safe to send
    # the user back: an error page, never a redirect (RFC 6749 4.1.2.1).
    if client is None or client.kind != "web":
        return _error_page(400, "unauthorized_client: unknown client_id")
    if redirect_uri not in client.redirect_uris:
        return _error_page(400, "invalid_request: redirect_uri is not registered for this app")
    state = {"state": q["state"]} if "state" in q else {}
    try:
        if q.get("response_type") != "code":
            raise OAuthError("unsupported_response_type")
        challenge = q.get("code_challenge")
        if challenge is not None and q.get("code_challenge_method") != "S256":
            raise OAuthError("invalid_request", "code_challenge_method must be S256")
        scopes = ident.check_scopes(q.get("scope", ""))
        code = ident.issue_code(client, redirect_uri, scopes, challenge)
    except OAuthError as refused:
        answer = {"error": refused.error, **state}
        return RedirectResponse(f"{redirect_uri}?{urlencode(answer)}", status_code=302)
    return RedirectResponse(f"{redirect_uri}?{urlencode({'code': code, **state})}", 302)


def _client_of(request: Request, form: dict[str, str], ident: Identity) -> OAuthClient:
    header = request.headers.get("authorization") or ""
    if header.lower().startswith("basic "):
        try:
            pair = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise OAuthError("invalid_client", status=401) from exc
        client_id, _, secret = pair.partition(":")
        return ident.authenticate(unquote(client_id), unquote(secret))
    return ident.authenticate(form.get("client_id", ""), form.get("client_secret", ""))


async def _form(request: Request) -> dict[str, str]:
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthError("invalid_request", "the body must be form-encoded")
    # parse_qsl, not request.form(): form parsing would need python-multipart.
    return dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))


@router.post("/connect/token")
async def token(request: Request, ident: IdentityDep) -> Response:
    try:
        form = await _form(request)
        client = _client_of(request, form, ident)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            answer = ident.exchange_code(
                client,
                form.get("code", ""),
                form.get("redirect_uri", ""),
                form.get("code_verifier"),
            )
        elif grant_type == "refresh_token":
            answer = ident.refresh(client, form.get("refresh_token", ""))
        elif grant_type == "client_credentials":
            answer = ident.client_credentials(client, form.get("scope"))
        else:
            raise OAuthError("unsupported_grant_type")
    except OAuthError as refused:
        return _oauth_error(refused)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


@router.post("/connect/revocation")
async def revocation(request: Request, ident: IdentityDep) -> Response:
    try:
        form = await _form(request)
        client = _client_of(request, form, ident)
    except OAuthError as refused:
        return _oauth_error(refused)
    ident.revoke(client, form.get("token", ""))
    return Response(status_code=200)


def _oauth_error(refused: OAuthError) -> JSONResponse:
    body = {"error": refused.error}
    if refused.description:
        body["error_description"] = refused.description
    return JSONResponse(body, status_code=refused.status)


@router.get("/connections")
async def connections(grant: GrantDep, ident: IdentityDep) -> list[dict[str, Any]]:
    return ident.connections(grant)


@router.delete("/connections/{connection_id}")
async def disconnect(connection_id: str, grant: GrantDep, ident: IdentityDep) -> Response:
    if not ident.disconnect(grant, connection_id):
        return Response(status_code=404)
    return Response(status_code=204)


@admin.get("")
async def counters(ident: IdentityDep) -> dict[str, Any]:
    return ident.report()


@admin.post("/revoke")
async def revoke_client(client_id: str, ident: IdentityDep) -> dict[str, int]:
    return {"revoked": ident.revoke_client(client_id)}


@admin.post("/expire")
async def expire(ident: IdentityDep) -> dict[str, int]:
    return {"expired": ident.expire_access_tokens()}
