"""The default deal pipeline of a new HubSpot portal, with its stage ids."""

from __future__ import annotations

from typing import Any

_STAGES = [
    ("appointmentscheduled", "Appointment Scheduled", "0.2", False),
    ("qualifiedtobuy", "Qualified To Buy", "0.4", False),
    ("presentationscheduled", "Presentation Scheduled", "0.6", False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", False),
    ("contractsent", "Contract Sent", "0.9", False),
    ("closedwon", "Closed Won", "1.0", True),
    ("closedlost", "Closed Lost", "0.0", True),
]
CREATED_AT = "2024-01-01T00:00:00.000Z"


def _stage(order: int, stage_id: str, label: str, probability: str, closed: bool) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": {"isClosed": "true" if closed else "false", "probability": probability},
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "archived": False,
    }


DEAL_PIPELINES: list[dict[str, Any]] = [
    {
        "id": "default",
        "label": "Sales Pipeline",
        "displayOrder": 0,
        "stages": [_stage(i, *s) for i, s in enumerate(_STAGES)],
        "createdAt": CREATED_AT,
        "updatedAt": CREATED_AT,
        "archived": False,
    }
]


def stage_ids(pipeline_id: str) -> list[str] | None:
    for pipeline in DEAL_PIPELINES:
        if pipeline["id"] == pipeline_id:
            return [s["id"] for s in pipeline["stages"]]
    return None


def is_closed(stage_id: str) -> bool:
    return stage_id in ("closedwon", "closedlost")
