"""Connecting quote2cash to a real HubSpot portal and a real Xero organisation.

Each vendor module here sets a connection up (``q2c connect hubspot|xero``) and checks
it (``q2c connect check``): a check is a list of ``Requirement`` lines, one per thing the
product needs from the vendor (credentials, scopes, properties, stages, webhooks, the
account and tax mapping, currencies), each saying what is missing and how to fix it.
"""

from __future__ import annotations

from pydantic import BaseModel


class Requirement(BaseModel):
    """One line of ``q2c connect check``: what is needed, whether it is met, and if not,
    what to do about it."""

    vendor: str
    name: str
    ok: bool
    detail: str = ""
    fix: str = ""


def all_met(requirements: list[Requirement]) -> bool:
    return all(r.ok for r in requirements)
