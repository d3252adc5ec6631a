"""HubSpot calls that set a portal up rather than run deals: the private-app token's
scopes, the properties API v3 (definitions and groups) and the deal pipelines.

Same transport, errors and base URL as ``HubSpotClient``; ``q2c connect hubspot`` uses it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from quote2cash.connectors.hubspot import HubSpotClient
from quote2cash.connectors.hubspot_models import canonical_type


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="allow")


class TokenInfo(_Wire):
    """``POST /oauth/v2/private-apps/get/access-token-info``."""

    hub_id: int
    app_id: int
    user_id: int | None = None
    scopes: list[str] = Field(default_factory=list)


class PropertyOption(_Wire):
    value: str
    label: str


class PropertyDefinition(_Wire):
    name: str
    label: str = ""
    type: str
    field_type: str = ""
    group_name: str = ""
    description: str = ""
    options: list[PropertyOption] = Field(default_factory=list)


class PropertyGroup(_Wire):
    name: str
    label: str = ""


class PipelineStage(_Wire):
    id: str
    label: str = ""


class Pipeline(_Wire):
    id: str
    label: str = ""
    stages: list[PipelineStage] = Field(default_factory=list)


class HubSpotSetupClient(HubSpotClient):
    async def token_info(self, token: str) -> TokenInfo:
        body = await self._call(
            "POST", "/oauth/v2/private-apps/get/access-token-info", json_body={"tokenKey": token}
        )
        return TokenInfo.model_validate(body)

    async def properties(self, object_type: str) -> list[PropertyDefinition]:
        body = await self._call("GET", f"/crm/v3/properties/{canonical_type(object_type)}")
        return [PropertyDefinition.model_validate(p) for p in body.get("results", [])]

    async def define_property(
        self, object_type: str, definition: dict[str, Any]
    ) -> PropertyDefinition:
        body = await self._call(
            "POST", f"/crm/v3/properties/{canonical_type(object_type)}", json_body=definition
        )
        return PropertyDefinition.model_validate(body)

    async def update_property(
        self, object_type: str, name: str, changes: dict[str, Any]
    ) -> PropertyDefinition:
        body = await self._call(
            "PATCH", f"/crm/v3/properties/{canonical_type(object_type)}/{name}", json_body=changes
        )
        return PropertyDefinition.model_validate(body)

    async def property_groups(self, object_type: str) -> list[PropertyGroup]:
        body = await self._call("GET", f"/crm/v3/properties/{canonical_type(object_type)}/groups")
        return [PropertyGroup.model_validate(g) for g in body.get("results", [])]

    async def create_property_group(self, object_type: str, name: str, label: str) -> None:
        await self._call(
            "POST",
            f"/crm/v3/properties/{canonical_type(object_type)}/groups",
            json_body={"name": name, "label": label, "displayOrder": -1},
        )

    async def update_property_group(self, object_type: str, name: str, label: str) -> None:
        await self._call(
            "PATCH",
            f"/crm/v3/properties/{canonical_type(object_type)}/groups/{name}",
            json_body={"label": label},
        )

    async def pipelines(self, object_type: str) -> list[Pipeline]:
        body = await self._call("GET", f"/crm/v3/pipelines/{canonical_type(object_type)}")
        return [Pipeline.model_validate(p) for p in body.get("results", [])]
