"""Building models from values the billing core computed itself, without revalidating.

A 10,000-line invoice spends most of its time validating lines whose every field the
builder has just computed as a Decimal or a str. ``trusted`` sets the fields directly,
as pydantic's ``model_construct`` does, minus its per-field bookkeeping. Only the
builders use it; a test checks that a trusted line equals a validated one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__  # models are frozen; this is how pydantic itself fills them


def trusted_lazy(
    cls: type[M], values: dict[str, Any], fields_set: set[str], private: dict[str, Any]
) -> M:
    """Like ``trusted``, for a model that computes some field values on first use from
    ``private`` (see ``InvoiceLine``); ``fields_set`` names every field, computed or not."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", fields_set)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", private)
    return model


def trusted(cls: type[M], values: dict[str, Any]) -> M:
    """An instance of ``cls`` holding ``values``, which must name every field."""
    model = cls.__new__(cls)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", set(values))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
