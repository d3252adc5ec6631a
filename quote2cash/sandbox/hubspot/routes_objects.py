"""CRM objects v3: records, batches and search, by name (``deals``) or id (``0-3``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from quote2cash.connectors.hubspot_models import DEFAULT_ASSOCIATION_TYPES
from quote2cash.sandbox.hubspot import search as crm_search
from quote2cash.sandbox.hubspot.crm import hubspot_time, object_type
from quote2cash.sandbox.hubspot.errors import HubSpotError, not_found
from quote2cash.sandbox.hubspot.state import HubSpot, hubspot, inputs_of, list_param, read_json

router = APIRouter(prefix="/crm/v3/objects")
State = Annotated[HubSpot, Depends(hubspot)]


def _associations_of(kind: str, body: dict[str, Any]) -> list[tuple[str, str, int]]:
    """``[{to: {id}, types: [{associationCategory, associationTypeId}]}]`` of a create."""
    found: list[tuple[str, str, int]] = []
    for item in body.get("associations") or []:
        to_id = str((item.get("to") or {}).get("id", ""))
        for spec in item.get("types") or []:
            type_id = int(spec.get("associationTypeId", 0))
            to_type = next(
                (
                    t
                    for (f, t), i in DEFAULT_ASSOCIATION_TYPES.items()
                    if f == kind and i == type_id
                ),
                None,
            )
            if to_type is None:
                raise HubSpotError(400, f"association type {type_id} is not valid from {kind}")
            found.append((to_type, to_id, type_id))
    return found


def _find_by(state: HubSpot, kind: str, value: str, id_property: str | None) -> dict[str, Any]:
    if not id_property or id_property == "hs_object_id":
        return state.crm.get(kind, value)
    for record in state.crm.all(kind):
        if record["properties"].get(id_property) == value:
            return record
    raise not_found(value)


@router.get("/{raw_type}")
async def list_objects(raw_type: str, request: Request, state: State) -> dict[str, Any]:
    kind = object_type(raw_type)
    limit = min(int(request.query_params.get("limit", 10)), 100)
    start = int(request.query_params.get("after") or 0)
    records = state.crm.all(kind)
    props, assoc = list_param(request, "properties"), list_param(request, "associations")
    page = records[start : start + limit]
    body: dict[str, Any] = {
        "results": [state.crm.render(kind, r, properties=props, associations=assoc) for r in page]
    }
    if start + limit < len(records):
        after = str(start + limit)
        link = f"{request.url.path}?after={after}&limit={limit}"
        body["paging"] = {"next": {"after": after, "link": link}}
    return body


@router.post("/{raw_type}", status_code=201)
async def create_object(raw_type: str, request: Request, state: State) -> dict[str, Any]:
    kind = object_type(raw_type)
    body = await read_json(request)
    record = state.crm.create(kind, body.get("properties") or {}, _associations_of(kind, body))
    if kind == "deals":
        state.deals_created([record["id"]])
    return state.crm.render(kind, record, properties=list(record["properties"]))


@router.get("/{raw_type}/{object_id}")
async def get_object(
    raw_type: str, object_id: str, request: Request, state: State
) -> dict[str, Any]:
    kind = object_type(raw_type)
    record = _find_by(state, kind, object_id, request.query_params.get("idProperty"))
    if request.query_params.get("archived") == "true" and not record["archived"]:
        raise not_found(object_id)
    return state.crm.render(
        kind,
        record,
        properties=list_param(request, "properties"),
        associations=list_param(request, "associations"),
    )


@router.patch("/{raw_type}/{object_id}")
async def update_object(
    raw_type: str, object_id: str, request: Request, state: State
) -> dict[str, Any]:
    kind = object_type(raw_type)
    body = await read_json(request)
    record = _find_by(state, kind, object_id, request.query_params.get("idProperty"))
    record, changed = state.crm.update(kind, record["id"], body.get("properties") or {})
    if kind == "deals":
        state.deal_changed([(record["id"], changed)])
    return state.crm.render(kind, record, properties=list(record["properties"]))


@router.delete("/{raw_type}/{object_id}", status_code=204)
async def archive_object(raw_type: str, object_id: str, state: State) -> Response:
    state.crm.archive(object_type(raw_type), object_id)
    return Response(status_code=204)


def _batch(results: list[dict[str, Any]], started: str, errors: list[dict[str, Any]]) -> Any:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started,
        "completedAt": started,
    }
    if errors:
        body.update(numErrors=len(errors), errors=errors)
        return JSONResponse(body, status_code=207)
    return body


@router.post("/{raw_type}/batch/read")
async def batch_read(raw_type: str, request: Request, state: State) -> Any:
    kind = object_type(raw_type)
    body = await read_json(request)
    started = hubspot_time(state.crm.clock())
    results, missing = [], []
    for item in inputs_of(body):
        try:
            record = _find_by(state, kind, str(item.get("id")), body.get("idProperty"))
        except HubSpotError:
            missing.append(str(item.get("id")))
            continue
        results.append(state.crm.render(kind, record, properties=body.get("properties") or []))
    errors = []
    if missing:
        errors.append(
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": "Could not get some "
                + kind
                + " objects, they may be deleted or not exist.",
                "context": {"ids": missing},
            }
        )
    return _batch(results, started, errors)


@router.post("/{raw_type}/batch/create", status_code=201)
async def batch_create(raw_type: str, request: Request, state: State) -> Any:
    kind = object_type(raw_type)
    body = await read_json(request)
    started = hubspot_time(state.crm.clock())
    with state.crm.store.atomic():
        records = [
            state.crm.create(kind, i.get("properties") or {}, _associations_of(kind, i))
            for i in inputs_of(body)
        ]
    if kind == "deals":
        state.deals_created([r["id"] for r in records])
    results = [state.crm.render(kind, r, properties=list(r["properties"])) for r in records]
    return _batch(results, started, [])


@router.post("/{raw_type}/batch/update")
async def batch_update(raw_type: str, request: Request, state: State) -> Any:
    kind = object_type(raw_type)
    body = await read_json(request)
    started = hubspot_time(state.crm.clock())
    updates = []
    with state.crm.store.atomic():
        for item in inputs_of(body):
            record = _find_by(state, kind, str(item.get("id")), item.get("idProperty"))
            updates.append(state.crm.update(kind, record["id"], item.get("properties") or {}))
    if kind == "deals":
        state.deal_changed([(r["id"], changed) for r, changed in updates])
    results = [state.crm.render(kind, r, properties=list(r["properties"])) for r, _ in updates]
    return _batch(results, started, [])


@router.post("/{raw_type}/batch/upsert")
async def batch_upsert(raw_type: str, request: Request, state: State) -> Any:
    """Update the record whose ``idProperty`` equals ``id``, or create one with it set."""
    kind = object_type(raw_type)
    body = await read_json(request)
    started = hubspot_time(state.crm.clock())
    results, changes = [], []
    with state.crm.store.atomic():
        for item in inputs_of(body):
            id_property, value = item.get("idProperty"), str(item.get("id", ""))
            if not id_property:
                raise HubSpotError(400, "idProperty is required for upsert")
            props = dict(item.get("properties") or {})
            existing = next(
                (r for r in state.crm.all(kind) if r["properties"].get(id_property) == value),
                None,
            )
            if existing is None:
                record, new = state.crm.create(kind, {**props, id_property: value}), True
            else:
                record, changed = state.crm.update(kind, existing["id"], props)
                new = False
                changes.append((record["id"], changed))
            shown = state.crm.render(kind, record, properties=list(record["properties"]))
            results.append({**shown, "new": new})
    if kind == "deals":
        state.deals_created([r["id"] for r in results if r["new"]])
        state.deal_changed(changes)
    return _batch(results, started, [])


@router.post("/{raw_type}/batch/archive", status_code=204)
async def batch_archive(raw_type: str, request: Request, state: State) -> Response:
    kind = object_type(raw_type)
    body = await read_json(request)
    with state.crm.store.atomic():
        for item in inputs_of(body):
            state.crm.archive(kind, str(item.get("id")))
    return Response(status_code=204)


@router.post("/{raw_type}/search")
async def search_objects(raw_type: str, request: Request, state: State) -> dict[str, Any]:
    kind = object_type(raw_type)
    body = await read_json(request)
    page, total, following = crm_search.run(state.crm.all(kind), body)
    props = body.get("properties") or []
    result: dict[str, Any] = {
        "total": total,
        "results": [state.crm.render(kind, r, properties=props) for r in page],
    }
    if following is not None:
        result["paging"] = {"next": {"after": str(following)}}
    return result
