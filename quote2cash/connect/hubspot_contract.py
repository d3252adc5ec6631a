"""The product's HubSpot contract, declared once: what quote2cash needs from a portal.

- the ``quote2cash`` property group and every ``q2c_*`` property the product reads or
  writes, on deals, companies and line items, with HubSpot's type, field type, label,
  description and, for enumerations, the values the code accepts;
- the private-app scopes the product's calls need, each with why;
- the webhook subscription the ingress acts on.

Code that reads or writes a custom property uses its declaration's ``name`` (``
INVOICE_NUMBER.name``), and ``q2c connect hubspot`` creates exactly these definitions,
so a portal and the code cannot disagree about a name. Pure data: the workflows import it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from quote2cash.billing.tax import DEFAULT_TAX_TABLE

GROUP_NAME = "quote2cash"
GROUP_LABEL = "quote2cash"
OBJECT_TYPES = ("deals", "companies", "line_items")


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class PropertySpec:
    """One custom property as HubSpot's properties API v3 defines it."""

    object_type: str
    name: str
    label: str
    type: str
    field_type: str
    description: str
    options: tuple[Option, ...] = field(default=())

    def definition(self) -> dict[str, object]:
        """The body of ``POST /crm/v3/properties/{objectType}``."""
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "groupName": GROUP_NAME,
            "description": self.description,
            "options": [
                {"value": o.value, "label": o.label, "displayOrder": i, "hidden": False}
                for i, o in enumerate(self.options)
            ],
        }


PROPERTIES: list[PropertySpec] = []
"""Every declared property, in declaration order (filled by the helpers below)."""


def _declare(spec: PropertySpec) -> PropertySpec:
    PROPERTIES.append(spec)
    return spec


def _text(kind: str, name: str, label: str, description: str) -> PropertySpec:
    return _declare(PropertySpec(kind, name, label, "string", "text", description))


def _number(kind: str, name: str, label: str, description: str) -> PropertySpec:
    return _declare(PropertySpec(kind, name, label, "number", "number", description))


def _select(
    kind: str, name: str, label: str, description: str, values: tuple[str, ...]
) -> PropertySpec:
    options = tuple(Option(v, v.replace("_", " ").capitalize()) for v in values)
    return _declare(PropertySpec(kind, name, label, "enumeration", "select", description, options))


def _checkbox(kind: str, name: str, label: str, description: str) -> PropertySpec:
    options = (Option("true", "Yes"), Option("false", "No"))
    return _declare(
        PropertySpec(kind, name, label, "bool", "booleancheckbox", description, options)
    )


# Xero's invoice statuses: the write-back copies the one Xero reports.
INVOICE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
# The categories the tax table prices; a line with another one cannot be taxed.
TAX_CATEGORIES = tuple(dict.fromkeys(r.category for r in DEFAULT_TAX_TABLE.rates))

# Deals: what sales sets before closing (read into the snapshot).
PAYMENT_TERMS_DAYS = _number(
    "deals",
    "q2c_payment_terms_days",
    "Payment terms (days)",
    "Days the customer has to pay the invoice; empty means 30. Terms other than 0, 14 or "
    "30 days need an approval.",
)
ORDER_DISCOUNT_PERCENT = _number(
    "deals",
    "q2c_order_discount_percent",
    "Order discount (%)",
    "Discount on the whole order, in percent; above 20 it needs an approval.",
)
BILLING_SCHEDULE = _text(
    "deals",
    "q2c_billing_schedule",
    "Billing schedule",
    "Empty: one invoice. Percentages such as 50/50 (the first part on signature, the "
    "others on delivery), or per_shipment (one invoice per confirmed shipment).",
)
# Deals: what quote2cash writes back.
INVOICE_NUMBER = _text(
    "deals",
    "q2c_invoice_number",
    "Invoice number",
    "The invoice (or invoices, comma-separated) quote2cash issued for this deal.",
)
INVOICE_STATUS = _select(
    "deals",
    "q2c_invoice_status",
    "Invoice status",
    "The invoice's status in the accounting system (Xero).",
    INVOICE_STATUSES,
)
AMOUNT_PAID = _number(
    "deals", "q2c_amount_paid", "Amount paid", "What the customer has paid on the invoice."
)
AMOUNT_DUE = _number(
    "deals", "q2c_amount_due", "Amount due", "What the customer still owes on the invoice."
)
DUNNING_LEVEL = _number(
    "deals",
    "q2c_dunning_level",
    "Dunning level",
    "Payment reminders sent so far: 1, 2 and 3 at 7, 14 and 30 days past due.",
)
WRITTEN_OFF = _number(
    "deals",
    "q2c_written_off",
    "Amount written off",
    "The amount written off as a bad debt, once a write-off was approved.",
)
APPROVAL_STATUS = _text(
    "deals",
    "q2c_approval_status",
    "Approval status",
    "approved, rejected, or how long the deal has been awaiting an approval.",
)
APPROVAL_BY = _text(
    "deals", "q2c_approval_by", "Approved or rejected by", "Who decided the approval."
)
APPROVAL_REASON = _text(
    "deals", "q2c_approval_reason", "Approval reason", "Why the approver decided as they did."
)
# Companies: master data the invoice's tax depends on.
VAT_ID = _text(
    "companies",
    "q2c_vat_id",
    "VAT id",
    "The customer's VAT registration number with its country prefix (GB..., DE...): a "
    "valid one of the customer's country makes an EU/UK business sale reverse charged.",
)
TAX_EXEMPT = _checkbox(
    "companies",
    "q2c_tax_exempt",
    "Tax exempt",
    "Yes when the customer is exempt from tax: its invoices carry no tax.",
)
# Line items.
TAX_CATEGORY = _select(
    "line_items",
    "q2c_tax_category",
    "Tax category",
    "The tax rate category of what the line sells; empty means standard.",
    TAX_CATEGORIES,
)


def declared(object_type: str) -> list[PropertySpec]:
    return [p for p in PROPERTIES if p.object_type == object_type]


def declared_names() -> frozenset[str]:
    return frozenset(p.name for p in PROPERTIES)


@dataclass(frozen=True)
class Scope:
    name: str
    why: str


# What the product's own calls need (the worker, the sweep, ``q2c connect``).
REQUIRED_SCOPES = (
    Scope("crm.objects.deals.read", "read closed deals into a quote snapshot"),
    Scope("crm.objects.deals.write", "write invoice, payment and approval status back"),
    Scope("crm.objects.companies.read", "read the customer's name, address and tax data"),
    Scope("crm.objects.line_items.read", "read the products sold on a deal"),
    Scope("crm.schemas.deals.read", "check the deal properties and pipelines"),
    Scope("crm.schemas.deals.write", "create the quote2cash deal properties"),
    Scope("crm.schemas.companies.read", "check the company properties"),
    Scope("crm.schemas.companies.write", "create the quote2cash company properties"),
    Scope("crm.schemas.line_items.read", "check the line item properties"),
    Scope("e-commerce", "create the quote2cash line item properties"),
)

# The webhook the ingress acts on (quote2cash.api.handoff.not_won_reason): a deal's
# stage changing to a won stage starts its workflow; other events are stored, ignored.
WEBHOOK_PATH = "/webhooks/hubspot"
WEBHOOK_EVENTS = (("deal.propertyChange", "dealstage"),)
