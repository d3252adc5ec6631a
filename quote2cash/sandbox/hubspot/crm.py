"""CRM records and their associations, over the document store.

A record is stored as ``{id, properties, createdAt, updatedAt, archived, assoc}`` where
``assoc`` maps a target object type to ``{target id: [association type ids]}``; both
directions are written so either side reads its associations without a scan.
Property values are strings, as HubSpot stores them; HubSpot-computed properties
(``hs_object_id``, ``createdate``, ``hs_is_closed_won``, line item ``amount``) are
recomputed on every write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from quote2cash.connectors.hubspot_models import (
    DEFAULT_ASSOCIATION_TYPES,
    OBJECT_TYPE_IDS,
    SINGULAR,
    canonical_type,
)
from quote2cash.sandbox.common.store import Doc, DocStore
from quote2cash.sandbox.hubspot import pipelines
from quote2cash.sandbox.hubspot import properties as property_defs
from quote2cash.sandbox.hubspot.errors import HubSpotError, not_found
from quote2cash.sandbox.hubspot.errors import invalid_value as _invalid

OBJECT_TYPES = tuple(OBJECT_TYPE_IDS.values())
ALWAYS = ("createdate", "hs_lastmodifieddate", "hs_object_id")
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "deals": ("dealname", "amount", "dealstage", "pipeline", "closedate"),
    "companies": ("name", "domain"),
    "contacts": ("firstname", "lastname", "email"),
    "line_items": ("name", "quantity", "price", "amount", "hs_product_id"),
    "products": ("name", "price", "description", "hs_sku"),
}
ASSOCIATION_KEYS = {"line_items": "line items"}
"""The key HubSpot uses in ``associations`` of a v3 response (one has a space)."""

Clock = Callable[[], datetime]


def hubspot_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def object_type(raw: str) -> str:
    found = canonical_type(raw)
    if found not in OBJECT_TYPES:
        raise HubSpotError(400, f"Unable to infer object type from: {raw}")
    return found


def as_property_value(name: str, value: Any) -> str | None:
    """HubSpot stores strings; numbers and booleans are accepted and stringified."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return format(value, "f") if isinstance(value, Decimal) else str(value)
    if isinstance(value, str):
        return value
    raise HubSpotError(400, f"Property values were not valid: {name} must be a string")


class Crm:
    def __init__(
        self, store: DocStore, clock: Clock, *, strict: bool = True, first_id: int = 1001
    ) -> None:
        self.store = store
        self.clock = clock
        self.strict = strict
        self.first_id = first_id

    def _check(self, kind: str, values: Mapping[str, str | None]) -> None:
        if self.strict:
            property_defs.check_names(self.store, kind, list(values))
        property_defs.check_values(self.store, kind, values)

    def new_id(self) -> str:
        return str(self.store.next_value("hubspot:object-id", start=self.first_id))

    def create(
        self,
        kind: str,
        properties: Mapping[str, Any],
        associations: Iterable[tuple[str, str, int]] = (),
    ) -> Doc:
        props = {k: as_property_value(k, v) for k, v in properties.items()}
        self._check(kind, props)
        now = hubspot_time(self.clock())
        record_id = self.new_id()
        props.update({"hs_object_id": record_id, "createdate": now, "hs_lastmodifieddate": now})
        record: Doc = {
            "id": record_id,
            "properties": {},
            "createdAt": now,
            "updatedAt": now,
            "archived": False,
            "assoc": {},
        }
        record["properties"] = self._derive(kind, {}, props)
        with self.store.atomic():
            self.store.put(kind, record_id, record)
            for to_type, to_id, type_id in associations:
                self.associate(kind, record_id, to_type, to_id, type_id)
        return self.get(kind, record_id)

    def get(self, kind: str, record_id: str, *, archived: bool = False) -> Doc:
        record = self.store.get(kind, record_id)
        if record is None or bool(record["archived"]) != archived:
            raise not_found(record_id)
        return record

    def find(self, kind: str, record_id: str) -> Doc | None:
        record = self.store.get(kind, record_id)
        return None if record is None or record["archived"] else record

    def all(self, kind: str) -> list[Doc]:
        return [r for r in self.store.all(kind) if not r["archived"]]

    def update(
        self, kind: str, record_id: str, properties: Mapping[str, Any]
    ) -> tuple[Doc, dict[str, str | None]]:
        """Apply changes; return the record and the properties whose value changed."""
        changes = {k: as_property_value(k, v) for k, v in properties.items()}
        self._check(kind, changes)
        record = self.get(kind, record_id)
        old: dict[str, str | None] = dict(record["properties"])
        merged = {**old, **changes, "hs_lastmodifieddate": hubspot_time(self.clock())}
        record["properties"] = self._derive(kind, old, merged)
        record["updatedAt"] = merged["hs_lastmodifieddate"]
        self.store.put(kind, record_id, record)
        changed = {k: v for k, v in record["properties"].items() if old.get(k) != v}
        changed.pop("hs_lastmodifieddate", None)
        return record, changed

    def archive(self, kind: str, record_id: str) -> None:
        record = self.get(kind, record_id)
        record["archived"] = True
        record["archivedAt"] = hubspot_time(self.clock())
        self.store.put(kind, record_id, record)

    def associate(
        self, from_type: str, from_id: str, to_type: str, to_id: str, type_id: int
    ) -> None:
        source = self.get(from_type, from_id)
        target = self.get(to_type, to_id)
        inverse = DEFAULT_ASSOCIATION_TYPES.get((to_type, from_type), type_id)
        with self.store.atomic():
            _link(source, to_type, to_id, type_id)
            _link(target, from_type, from_id, inverse)
            self.store.put(from_type, from_id, source)
            self.store.put(to_type, to_id, target)

    def associated(self, record: Doc, to_type: str) -> list[tuple[str, list[int]]]:
        links: dict[str, list[int]] = record["assoc"].get(to_type, {})
        return [(i, t) for i, t in links.items() if self.find(to_type, i) is not None]

    def render(
        self,
        kind: str,
        record: Doc,
        *,
        properties: Sequence[str] | None = None,
        associations: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The ``SimplePublicObject(WithAssociations)`` HubSpot answers with."""
        names = list(properties) if properties else list(DEFAULT_PROPERTIES[kind])
        props = record["properties"]
        shown = {name: props.get(name) for name in [*names, *ALWAYS]}
        if not properties:
            shown = {k: v for k, v in shown.items() if v is not None or k in ALWAYS}
        body: dict[str, Any] = {
            "id": record["id"],
            "properties": shown,
            "createdAt": record["createdAt"],
            "updatedAt": record["updatedAt"],
            "archived": record["archived"],
        }
        if record["archived"]:
            body["archivedAt"] = record.get("archivedAt")
        rendered = self._render_associations(kind, record, associations)
        if rendered:
            body["associations"] = rendered
        return body

    def _render_associations(self, kind: str, record: Doc, wanted: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for raw in wanted:
            to_type = canonical_type(raw)
            links = self.associated(record, to_type) if to_type in OBJECT_TYPES else []
            if not links:
                continue
            label = f"{SINGULAR[kind]}_to_{SINGULAR[to_type]}"
            results = [{"id": i, "type": label} for i, _ in links]
            out[ASSOCIATION_KEYS.get(to_type, to_type)] = {"results": results}
        return out

    def _derive(self, kind: str, old: Mapping[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        props = {k: v for k, v in props.items() if v is not None}
        if kind == "deals":
            _derive_deal(old, props)
        elif kind == "line_items":
            _derive_line_item(props)
        return props


def _link(record: Doc, to_type: str, to_id: str, type_id: int) -> None:
    links = record["assoc"].setdefault(to_type, {})
    types = links.setdefault(to_id, [])
    if type_id not in types:
        types.append(type_id)


def _derive_deal(old: Mapping[str, Any], props: dict[str, Any]) -> None:
    props.setdefault("pipeline", "default")
    stages = pipelines.stage_ids(props["pipeline"])
    if stages is None:
        raise _invalid("pipeline", props["pipeline"], "a pipeline id", "INVALID_OPTION")
    stage = props.get("dealstage")
    if stage is not None and stage not in stages:
        allowed = ", ".join(stages)
        raise _invalid("dealstage", stage, f"one of the allowed options: [{allowed}]")
    props["hs_is_closed_won"] = "true" if stage == "closedwon" else "false"
    props["hs_is_closed"] = "true" if stage and pipelines.is_closed(stage) else "false"
    if stage and pipelines.is_closed(stage) and stage != old.get("dealstage"):
        props.setdefault("closedate", props["hs_lastmodifieddate"])


def _derive_line_item(props: dict[str, Any]) -> None:
    try:
        quantity = Decimal(props.get("quantity", "1"))
        price = Decimal(props["price"]) if "price" in props else None
        percent = Decimal(props.get("hs_discount_percentage", "0"))
        discount = Decimal(props.get("discount", "0"))
    except InvalidOperation as exc:
        raise HubSpotError(400, f"Property values were not valid: {exc}") from exc
    if price is not None:
        if price < 0:
            raise _invalid("price", props["price"], "a non-negative number")
        unit = price * (1 - percent / 100) - discount
        props["amount"] = format((unit * quantity).quantize(Decimal("0.01")), "f")
