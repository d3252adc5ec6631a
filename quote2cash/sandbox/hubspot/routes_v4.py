"""Associations v4 (default associations, read, batch read) and deal pipelines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from quote2cash.connectors.hubspot_models import DEFAULT_ASSOCIATION_TYPES
from quote2cash.sandbox.hubspot.crm import hubspot_time, object_type
from quote2cash.sandbox.hubspot.errors import HubSpotError
from quote2cash.sandbox.hubspot.pipelines import DEAL_PIPELINES
from quote2cash.sandbox.hubspot.state import HubSpot, hubspot, inputs_of, read_json

router = APIRouter()
State = Annotated[HubSpot, Depends(hubspot)]


def _association_types(type_ids: list[int]) -> list[dict[str, Any]]:
    return [{"category": "HUBSPOT_DEFINED", "typeId": t, "label": None} for t in type_ids]


@router.put("/crm/v4/objects/{from_raw}/{from_id}/associations/default/{to_raw}/{to_id}")
async def associate_default(
    from_raw: str, from_id: str, to_raw: str, to_id: str, state: State
) -> dict[str, Any]:
    from_type, to_type = object_type(from_raw), object_type(to_raw)
    type_id = DEFAULT_ASSOCIATION_TYPES.get((from_type, to_type))
    if type_id is None:
        raise HubSpotError(400, f"{from_type} cannot be associated with {to_type}")
    state.crm.associate(from_type, from_id, to_type, to_id, type_id)
    now = hubspot_time(state.crm.clock())
    specs = [
        (from_id, to_id, type_id),
        (to_id, from_id, DEFAULT_ASSOCIATION_TYPES.get((to_type, from_type), type_id)),
    ]
    return {
        "status": "COMPLETE",
        "results": [
            {
                "from": {"id": a},
                "to": {"id": b},
                "associationSpec": {
                    "associationCategory": "HUBSPOT_DEFINED",
                    "associationTypeId": t,
                },
            }
            for a, b, t in specs
        ],
        "startedAt": now,
        "completedAt": now,
    }


@router.get("/crm/v4/objects/{from_raw}/{from_id}/associations/{to_raw}")
async def read_associations(
    from_raw: str, from_id: str, to_raw: str, state: State
) -> dict[str, Any]:
    from_type, to_type = object_type(from_raw), object_type(to_raw)
    record = state.crm.get(from_type, from_id)
    return {
        "results": [
            {"toObjectId": int(i), "associationTypes": _association_types(types)}
            for i, types in state.crm.associated(record, to_type)
        ]
    }


@router.post("/crm/v4/associations/{from_raw}/{to_raw}/batch/read")
async def batch_read_associations(
    from_raw: str, to_raw: str, request: Request, state: State
) -> dict[str, Any]:
    from_type, to_type = object_type(from_raw), object_type(to_raw)
    body = await read_json(request)
    now = hubspot_time(state.crm.clock())
    results = []
    for item in inputs_of(body):
        record = state.crm.find(from_type, str(item.get("id")))
        if record is None:
            continue
        to = [
            {"toObjectId": int(i), "associationTypes": _association_types(types)}
            for i, types in state.crm.associated(record, to_type)
        ]
        results.append({"from": {"id": record["id"]}, "to": to})
    return {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}


@router.get("/crm/v3/pipelines/{raw_type}")
async def list_pipelines(raw_type: str) -> dict[str, Any]:
    if object_type(raw_type) != "deals":
        return {"results": []}
    return {"results": DEAL_PIPELINES}


@router.get("/crm/v3/pipelines/{raw_type}/{pipeline_id}")
async def get_pipeline(raw_type: str, pipeline_id: str) -> dict[str, Any]:
    if object_type(raw_type) == "deals":
        for pipeline in DEAL_PIPELINES:
            if pipeline["id"] == pipeline_id:
                return pipeline
    raise HubSpotError(404, f"Unable to find pipeline {pipeline_id}", category="OBJECT_NOT_FOUND")
