"""Contacts: create (``PUT``), create or update (``POST``), names unique among active ones."""

from __future__ import annotations

from typing import Any

from quote2cash.sandbox.common.store import Doc
from quote2cash.sandbox.xero.books import Books
from quote2cash.sandbox.xero.envelope import XeroValidation

WRITABLE = (
    "Name",
    "ContactNumber",
    "AccountNumber",
    "FirstName",
    "LastName",
    "EmailAddress",
    "TaxNumber",
    "DefaultCurrency",
    "Addresses",
    "Phones",
    "CompanyNumber",
    "Website",
    "AccountsReceivableTaxType",
    "IsCustomer",
    "IsSupplier",
    "ContactStatus",
)


def _check_name(books: Books, element: dict[str, Any], contact_id: str | None) -> None:
    name = str(element.get("Name") or "").strip()
    if not name:
        raise XeroValidation(["The contact name must be specified."], element)
    for other in books.store.all("contacts"):
        if (
            other["ContactID"] != contact_id
            and other["ContactStatus"] == "ACTIVE"
            and other["Name"].lower() == name.lower()
        ):
            raise XeroValidation(
                [
                    f"The contact name {name} is already assigned to another contact. "
                    "The contact name must be unique across all active contacts."
                ],
                element,
            )


def create_contact(books: Books, element: dict[str, Any]) -> Doc:
    _check_name(books, element, None)
    contact: Doc = {
        "ContactID": books.new_id(),
        "ContactStatus": "ACTIVE",
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    contact.update({k: element[k] for k in WRITABLE if k in element})
    books.stamp(contact)
    books.store.put("contacts", contact["ContactID"], contact)
    books.notify("CONTACT", "CREATE", contact["ContactID"])
    return contact


def update_contact(books: Books, contact_id: str, element: dict[str, Any]) -> Doc:
    contact = books.get("contacts", contact_id)
    if "Name" in element:
        _check_name(books, element, contact_id)
    contact.update({k: element[k] for k in WRITABLE if k in element})
    books.stamp(contact)
    books.store.put("contacts", contact_id, contact)
    books.notify("CONTACT", "UPDATE", contact_id)
    return contact


def upsert_contact(books: Books, element: dict[str, Any]) -> Doc:
    """``POST /Contacts``: update when the element names an existing contact."""
    contact_id = element.get("ContactID")
    if contact_id:
        return update_contact(books, str(contact_id), element)
    return create_contact(books, element)


def summary(contact: Doc) -> Doc:
    """The contact as embedded in invoices, credit notes and payments."""
    keys = ("ContactID", "ContactNumber", "Name", "ContactStatus", "EmailAddress")
    return {k: contact[k] for k in keys if k in contact}


def resolve(books: Books, ref: Any, element: dict[str, Any]) -> Doc:
    """A document's ``Contact``: by ContactID, by ContactNumber, or by Name (created if new)."""
    if not isinstance(ref, dict) or not ref:
        raise XeroValidation(["A Contact must be specified for this type of transaction"], element)
    contacts = books.store.all("contacts")
    if ref.get("ContactID"):
        wanted = str(ref["ContactID"]).lower()
        found = next((c for c in contacts if c["ContactID"] == wanted), None)
    elif ref.get("ContactNumber"):
        found = next((c for c in contacts if c.get("ContactNumber") == ref["ContactNumber"]), None)
    elif ref.get("Name"):
        name = str(ref["Name"]).lower()
        found = next((c for c in contacts if c["Name"].lower() == name), None)
        found = found or create_contact(books, {"Name": ref["Name"]})
    else:
        found = None
    if found is None:
        raise XeroValidation(["The contact specified could not be found."], element)
    return found
