"""HubSpot CRM shapes, as HubSpot documents them.

Wire shapes (what crosses HTTP) follow the developer documentation:

- CRM objects v3, ``SimplePublicObject`` / ``SimplePublicObjectWithAssociations``:
  https://developers.hubspot.com/docs/api-reference/crm-objects-v3/guide — ``properties``
  values are always strings (or null); ids are strings of digits.
- Search: https://developers.hubspot.com/docs/api-reference/search/guide — ``filterGroups``
  are ORed, the filters inside one group ANDed; ``paging.next.after`` pages.
- Associations v4: https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide
- Errors: https://developers.hubspot.com/docs/api-reference/error-handling —
  ``{status: "error", category, message, correlationId, errors?, context?}``.

``HubSpotObject`` is the client's normalised view: association keys are object types
(``line_items``; HubSpot itself answers ``"line items"`` for that one) mapped to id lists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

OBJECT_TYPE_IDS = {
    "0-1": "contacts",
    "0-2": "companies",
    "0-3": "deals",
    "0-7": "products",
    "0-8": "line_items",
}
"""HubSpot's object type ids, accepted wherever an object type name is."""

DEFAULT_ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
    ("deals", "line_items"): 19,
    ("line_items", "deals"): 20,
}
"""HUBSPOT_DEFINED unlabeled association type ids (associations v4, "default" types)."""

SINGULAR = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "products": "product",
    "line_items": "line_item",
}


def canonical_type(object_type: str) -> str:
    """``0-3`` or ``DEALS`` -> ``deals``; unknown types come back unchanged (lower case)."""
    lowered = object_type.lower()
    return OBJECT_TYPE_IDS.get(lowered, lowered)


class _Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, extra="allow")


class AssociatedId(_Wire):
    id: str
    type: str


class AssociationPage(_Wire):
    results: list[AssociatedId] = Field(default_factory=list)


class SimplePublicObject(_Wire):
    id: str
    properties: dict[str, str | None]
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived: bool = False
    associations: dict[str, AssociationPage] | None = None


class NextPage(_Wire):
    after: str
    link: str | None = None


class Paging(_Wire):
    next: NextPage | None = None


class CollectionResponse(_Wire):
    results: list[SimplePublicObject]
    paging: Paging | None = None


class SearchResponse(_Wire):
    total: int
    results: list[SimplePublicObject]
    paging: Paging | None = None


class BatchResponse(_Wire):
    status: Literal["PENDING", "PROCESSING", "CANCELED", "COMPLETE"]
    results: list[SimplePublicObject]
    started_at: datetime | None = None
    completed_at: datetime | None = None
    num_errors: int | None = None
    errors: list[dict[str, Any]] | None = None


class ErrorBody(_Wire):
    status: Literal["error"] = "error"
    category: str
    message: str
    correlation_id: str
    errors: list[dict[str, Any]] | None = None
    context: dict[str, Any] | None = None
    sub_category: str | None = None


class WebhookEvent(_Wire):
    """One event of the JSON array HubSpot POSTs to an app's target URL (webhooks API)."""

    event_id: int
    subscription_id: int
    portal_id: int
    app_id: int
    occurred_at: int
    subscription_type: str
    attempt_number: int
    object_id: int
    property_name: str | None = None
    property_value: str | None = None
    change_source: str | None = None


class HubSpotFilter(_Wire):
    """One search filter: ``EQ``, ``NEQ``, ``LT``, ``LTE``, ``GT``, ``GTE``, ``BETWEEN``,
    ``IN``, ``NOT_IN``, ``HAS_PROPERTY``, ``NOT_HAS_PROPERTY``, ``CONTAINS_TOKEN``,
    ``NOT_CONTAINS_TOKEN``."""

    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: list[str] | None = None


class HubSpotObject(BaseModel):
    """A CRM record as the client returns it."""

    id: str
    properties: dict[str, str | None]
    associations: dict[str, list[str]] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived: bool = False

    @classmethod
    def from_wire(cls, wire: SimplePublicObject) -> HubSpotObject:
        associations = {
            canonical_type(key.replace(" ", "_")): [a.id for a in page.results]
            for key, page in (wire.associations or {}).items()
        }
        return cls(
            id=wire.id,
            properties=wire.properties,
            associations=associations,
            created_at=wire.created_at,
            updated_at=wire.updated_at,
            archived=wire.archived,
        )


class HubSpotSearchPage(BaseModel):
    total: int
    results: list[HubSpotObject]
    after: str | None = None
