"""Properties API v3: property definitions and property groups, per object type.

Also the private-app token's introspection (``POST /oauth/v2/private-apps/get/
access-token-info``), which HubSpot answers from the token in the body, without a
bearer header.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from quote2cash.sandbox.hubspot import properties as property_defs
from quote2cash.sandbox.hubspot import property_groups
from quote2cash.sandbox.hubspot.crm import hubspot_time, object_type
from quote2cash.sandbox.hubspot.errors import HubSpotError
from quote2cash.sandbox.hubspot.state import HubSpot, hubspot, read_json

router = APIRouter(prefix="/crm/v3/properties")
token_router = APIRouter()
State = Annotated[HubSpot, Depends(hubspot)]


@router.get("/{raw_type}/groups")
async def list_groups(raw_type: str, state: State) -> dict[str, Any]:
    return {"results": property_groups.groups(state.crm.store, object_type(raw_type))}


@router.post("/{raw_type}/groups", status_code=201)
async def create_group(raw_type: str, request: Request, state: State) -> dict[str, Any]:
    body = await read_json(request)
    return property_groups.create(state.crm.store, object_type(raw_type), body)


@router.get("/{raw_type}/groups/{name}")
async def get_group(raw_type: str, name: str, state: State) -> dict[str, Any]:
    return property_groups.find(state.crm.store, object_type(raw_type), name)


@router.patch("/{raw_type}/groups/{name}")
async def update_group(raw_type: str, name: str, request: Request, state: State) -> dict[str, Any]:
    body = await read_json(request)
    return property_groups.update(state.crm.store, object_type(raw_type), name, body)


@router.get("/{raw_type}")
async def list_properties(raw_type: str, state: State) -> dict[str, Any]:
    return {"results": property_defs.definitions(state.crm.store, object_type(raw_type))}


@router.post("/{raw_type}", status_code=201)
async def create_property(raw_type: str, request: Request, state: State) -> dict[str, Any]:
    body = await read_json(request)
    now = hubspot_time(state.crm.clock())
    return property_defs.create(state.crm.store, object_type(raw_type), body, now)


@router.get("/{raw_type}/{name}")
async def get_property(raw_type: str, name: str, state: State) -> dict[str, Any]:
    return property_defs.find(state.crm.store, object_type(raw_type), name)


@router.patch("/{raw_type}/{name}")
async def update_property(
    raw_type: str, name: str, request: Request, state: State
) -> dict[str, Any]:
    body = await read_json(request)
    now = hubspot_time(state.crm.clock())
    return property_defs.update(state.crm.store, object_type(raw_type), name, body, now)


@token_router.post("/oauth/v2/private-apps/get/access-token-info")
async def access_token_info(request: Request, state: State) -> dict[str, Any]:
    body = await read_json(request)
    config = state.config
    if body.get("tokenKey") != config.token:
        raise HubSpotError(
            401, "The access token provided is invalid", category="INVALID_AUTHENTICATION"
        )
    return {
        "userId": config.user_id,
        "hubId": config.portal_id,
        "appId": config.app_id,
        "scopes": list(config.scopes),
    }
