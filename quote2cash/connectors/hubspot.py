"""Typed async client of HubSpot's CRM API (objects v3, search, associations v4).

Works unchanged against https://api.hubapi.com and the sandbox emulator: the caller
owns the ``httpx.AsyncClient`` (timeouts, pooling, transport) and passes the base URL.
Failures raise ``quote2cash.connectors.errors`` classes with HubSpot's own message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from quote2cash.connectors import transport
from quote2cash.connectors.hubspot_models import (
    DEFAULT_ASSOCIATION_TYPES,
    BatchResponse,
    CollectionResponse,
    HubSpotFilter,
    HubSpotObject,
    HubSpotSearchPage,
    SearchResponse,
    SimplePublicObject,
    canonical_type,
)
from quote2cash.connectors.ratelimit import DEFAULT_BUCKET, RateLimiter

__all__ = [
    "HubSpotClient",
    "HubSpotFilter",
    "HubSpotObject",
    "HubSpotSearchPage",
    "hubspot_messages",
]

VENDOR = "hubspot"
# The property group HubSpot gives each object type's own properties.
BUILT_IN_GROUPS = {
    "deals": "dealinformation",
    "companies": "companyinformation",
    "contacts": "contactinformation",
    "line_items": "lineiteminformation",
    "products": "productinformation",
}
SEARCH_PAGE_MAX = 200


def hubspot_messages(body: Any) -> list[str]:
    """HubSpot's ``message``, then each ``errors[].message`` it nests for validation."""
    if not isinstance(body, dict):
        return []
    messages = [str(body["message"])] if body.get("message") else []
    for error in body.get("errors") or []:
        if isinstance(error, dict) and error.get("message"):
            messages.append(str(error["message"]))
    return messages


class HubSpotClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        token: str,
        limiter: RateLimiter | None = None,
    ) -> None:
        """``limiter``: the app token's, shared by every client of that token in the process."""
        self._http = http
        self._limiter = limiter
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: transport.Params | None = None,
        json_body: Any = None,
        bucket: str = DEFAULT_BUCKET,
    ) -> Any:
        return await transport.send(
            self._http,
            method,
            self._base + path,
            vendor=VENDOR,
            messages_of=hubspot_messages,
            headers=self._headers,
            params=params,
            json_body=json_body,
            limiter=self._limiter,
            bucket=bucket,
        )

    async def get_object(
        self,
        object_type: str,
        object_id: str,
        *,
        properties: Sequence[str],
        associations: Sequence[str] = (),
    ) -> HubSpotObject:
        params: dict[str, str | int] = {"properties": ",".join(properties)}
        if associations:
            params["associations"] = ",".join(associations)
        body = await self._call(
            "GET", f"/crm/v3/objects/{canonical_type(object_type)}/{object_id}", params=params
        )
        return HubSpotObject.from_wire(SimplePublicObject.model_validate(body))

    async def get_deal(
        self,
        deal_id: str,
        *,
        properties: Sequence[str],
        associations: Sequence[str] = ("line_items", "companies"),
    ) -> HubSpotObject:
        return await self.get_object(
            "deals", deal_id, properties=properties, associations=associations
        )

    async def list_objects(
        self,
        object_type: str,
        *,
        properties: Sequence[str],
        limit: int = 100,
        after: str | None = None,
    ) -> tuple[list[HubSpotObject], str | None]:
        """One page of records and the cursor of the next page (None on the last)."""
        params: dict[str, str | int] = {"properties": ",".join(properties), "limit": limit}
        if after:
            params["after"] = after
        body = await self._call(
            "GET", f"/crm/v3/objects/{canonical_type(object_type)}", params=params
        )
        page = CollectionResponse.model_validate(body)
        cursor = page.paging.next.after if page.paging and page.paging.next else None
        return [HubSpotObject.from_wire(o) for o in page.results], cursor

    async def batch_read(
        self, object_type: str, ids: Sequence[str], *, properties: Sequence[str]
    ) -> list[HubSpotObject]:
        """Records in the order of ``ids``; ids HubSpot does not know are left out (207)."""
        if not ids:
            return []
        body = await self._call(
            "POST",
            f"/crm/v3/objects/{canonical_type(object_type)}/batch/read",
            json_body={"properties": list(properties), "inputs": [{"id": i} for i in ids]},
        )
        found = {o.id: o for o in BatchResponse.model_validate(body).results}
        return [HubSpotObject.from_wire(found[i]) for i in ids if i in found]

    async def update_deal(self, deal_id: str, properties: Mapping[str, str]) -> HubSpotObject:
        return await self.update_object("deals", deal_id, properties)

    async def update_object(
        self, object_type: str, object_id: str, properties: Mapping[str, str]
    ) -> HubSpotObject:
        body = await self._call(
            "PATCH",
            f"/crm/v3/objects/{canonical_type(object_type)}/{object_id}",
            json_body={"properties": dict(properties)},
        )
        return HubSpotObject.from_wire(SimplePublicObject.model_validate(body))

    async def create_object(
        self,
        object_type: str,
        properties: Mapping[str, str],
        *,
        associations: Sequence[tuple[str, str]] = (),
    ) -> HubSpotObject:
        """Create a record, associated (default type) with ``(to_object_type, to_id)``s."""
        from_type = canonical_type(object_type)
        body = await self._call(
            "POST",
            f"/crm/v3/objects/{from_type}",
            json_body={
                "properties": dict(properties),
                "associations": [_association_input(from_type, t, i) for t, i in associations],
            },
        )
        return HubSpotObject.from_wire(SimplePublicObject.model_validate(body))

    async def create_property(
        self,
        object_type: str,
        name: str,
        *,
        label: str,
        property_type: str = "string",
        field_type: str = "text",
        group_name: str | None = None,
    ) -> dict[str, Any]:
        """Define a custom property (properties API); Conflict if it exists already."""
        kind = canonical_type(object_type)
        body = await self._call(
            "POST",
            f"/crm/v3/properties/{kind}",
            json_body={
                "name": name,
                "label": label,
                "type": property_type,
                "fieldType": field_type,
                "groupName": group_name or BUILT_IN_GROUPS.get(kind, f"{kind}information"),
            },
        )
        definition: dict[str, Any] = body
        return definition

    async def list_property_names(self, object_type: str) -> list[str]:
        body = await self._call("GET", f"/crm/v3/properties/{canonical_type(object_type)}")
        return [str(p["name"]) for p in body.get("results", [])]

    async def associate(self, from_type: str, from_id: str, to_type: str, to_id: str) -> None:
        """Default (unlabeled) association, associations v4."""
        await self._call(
            "PUT",
            f"/crm/v4/objects/{canonical_type(from_type)}/{from_id}"
            f"/associations/default/{canonical_type(to_type)}/{to_id}",
        )

    async def search(
        self,
        object_type: str,
        *,
        filter_groups: Sequence[Sequence[HubSpotFilter]],
        properties: Sequence[str],
        sorts: Sequence[str] = (),
        limit: int = 100,
        after: str | None = None,
    ) -> HubSpotSearchPage:
        """One page of a CRM search: groups are ORed, filters within a group ANDed.

        ``sorts`` are property names, ``-name`` for descending order."""
        request: dict[str, Any] = {
            "filterGroups": [
                {"filters": [f.model_dump(by_alias=True, exclude_none=True) for f in group]}
                for group in filter_groups
            ],
            "properties": list(properties),
            "limit": min(limit, SEARCH_PAGE_MAX),
        }
        if sorts:
            request["sorts"] = [_sort(s) for s in sorts]
        if after:
            request["after"] = after
        body = await self._call(
            "POST",
            f"/crm/v3/objects/{canonical_type(object_type)}/search",
            json_body=request,
            bucket="search",  # searches have their own, smaller limit
        )
        page = SearchResponse.model_validate(body)
        return HubSpotSearchPage(
            total=page.total,
            results=[HubSpotObject.from_wire(o) for o in page.results],
            after=page.paging.next.after if page.paging and page.paging.next else None,
        )

    async def search_all(
        self,
        object_type: str,
        *,
        filter_groups: Sequence[Sequence[HubSpotFilter]],
        properties: Sequence[str],
    ) -> list[HubSpotObject]:
        """Every match, following ``after`` until HubSpot stops giving one."""
        found: list[HubSpotObject] = []
        after: str | None = None
        while True:
            page = await self.search(
                object_type,
                filter_groups=filter_groups,
                properties=properties,
                limit=SEARCH_PAGE_MAX,
                after=after,
            )
            found.extend(page.results)
            if page.after is None:
                return found
            after = page.after


def _sort(spec: str) -> dict[str, str]:
    """``"-createdate"`` -> ``{"propertyName": "createdate", "direction": "DESCENDING"}``."""
    descending = spec.startswith("-")
    return {
        "propertyName": spec.lstrip("-"),
        "direction": "DESCENDING" if descending else "ASCENDING",
    }


def _association_input(from_type: str, to_type: str, to_id: str) -> dict[str, Any]:
    to = canonical_type(to_type)
    type_id = DEFAULT_ASSOCIATION_TYPES.get((from_type, to))
    if type_id is None:
        raise ValueError(f"no default association type from {from_type} to {to}")
    return {
        "to": {"id": to_id},
        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
    }
