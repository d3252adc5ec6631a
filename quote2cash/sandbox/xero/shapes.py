"""What the emulator may send: per schema of Xero's spec, the properties it fills.

The store keeps bookkeeping Xero never shows (a credit note's cash paid out,
``DateString`` twins of the dates, ...); every answer goes through ``project``, which
keeps only the properties listed here and follows nested objects and arrays into the
schema the spec gives them. Each list is a subset of what ``xero_accounting.yaml``
declares for that schema (tests/sandbox/test_xero_shapes.py holds it to the spec), so
a client built against the emulator never learns to read a field Xero does not send.

Two things real Xero sends are left out because its spec does not declare them: the
envelope around a collection (``Id``, ``Status``, ``ProviderName``, ``DateTimeUTC``)
and the ``...String`` twins of dates; in a 400, ``Elements`` carry only the element's
id and its ``ValidationErrors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    keys: frozenset[str]
    nested: Mapping[str, str] = field(default_factory=dict)
    """Property -> the schema of its value (or of each item of its array)."""


def _shape(keys: str, **nested: str) -> Shape:
    return Shape(frozenset(keys.split()) | frozenset(nested), nested)


_ERRORS = {"ValidationErrors": "ValidationError"}
# How a write answers for each element (summarizeErrors=false), with StatusAttributeString.
_RESULTS = {**_ERRORS, "Warnings": "ValidationError"}
_DOCUMENT = (
    "Type Status Reference LineAmountTypes SubTotal TotalTax Total CurrencyCode "
    "CurrencyRate Date DueDate FullyPaidOnDate HasAttachments HasErrors SentToContact "
    "UpdatedDateUTC StatusAttributeString"
)

SHAPES: dict[str, Shape] = {
    "Invoice": _shape(
        f"{_DOCUMENT} InvoiceID InvoiceNumber AmountDue AmountPaid AmountCredited "
        "TotalDiscount IsDiscounted ExpectedPaymentDate",
        Contact="Contact",
        LineItems="LineItem",
        Payments="Payment",
        CreditNotes="CreditNote",
        **_RESULTS,
    ),
    "CreditNote": _shape(
        f"{_DOCUMENT} CreditNoteID CreditNoteNumber RemainingCredit AppliedAmount",
        Contact="Contact",
        LineItems="LineItem",
        Payments="Payment",
        Allocations="Allocation",
        **_RESULTS,
    ),
    "Payment": _shape(
        "PaymentID Date Amount BankAmount CurrencyRate Reference Status PaymentType "
        "IsReconciled HasAccount HasValidationErrors UpdatedDateUTC StatusAttributeString",
        Account="Account",
        Invoice="Invoice",
        CreditNote="CreditNote",
        **_RESULTS,
    ),
    "Allocation": _shape(
        "AllocationID Amount Date IsDeleted StatusAttributeString",
        Invoice="Invoice",
        CreditNote="CreditNote",
        **_ERRORS,
    ),
    "Contact": _shape(
        "ContactID ContactNumber AccountNumber ContactStatus Name FirstName LastName "
        "EmailAddress TaxNumber DefaultCurrency CompanyNumber Website "
        "AccountsReceivableTaxType IsSupplier IsCustomer HasAttachments "
        "HasValidationErrors UpdatedDateUTC StatusAttributeString",
        Addresses="Address",
        Phones="Phone",
        ContactGroups="ContactGroup",
        ContactPersons="ContactPerson",
        **_ERRORS,
    ),
    "Address": _shape(
        "AddressType AddressLine1 AddressLine2 AddressLine3 AddressLine4 City Region "
        "PostalCode Country AttentionTo"
    ),
    "Phone": _shape("PhoneType PhoneNumber PhoneAreaCode PhoneCountryCode"),
    "ContactGroup": _shape("ContactGroupID Name Status"),
    "ContactPerson": _shape("FirstName LastName EmailAddress IncludeInEmails"),
    "LineItem": _shape(
        "LineItemID Description ItemCode AccountCode AccountID Quantity UnitAmount "
        "LineAmount TaxType TaxAmount DiscountRate DiscountAmount",
        Tracking="LineItemTracking",
    ),
    "LineItemTracking": _shape("TrackingCategoryID TrackingOptionID Name Option"),
    "Journal": _shape(
        "JournalID JournalDate JournalNumber CreatedDateUTC Reference SourceID SourceType",
        JournalLines="JournalLine",
    ),
    "JournalLine": _shape(
        "JournalLineID AccountID AccountCode AccountType AccountName Description "
        "NetAmount GrossAmount TaxAmount TaxType TaxName",
        TrackingCategories="TrackingCategory",
    ),
    "TrackingCategory": _shape("TrackingCategoryID Name Option Status"),
    "ManualJournal": _shape(
        "ManualJournalID Narration Status LineAmountTypes Date ShowOnCashBasisReports "
        "HasAttachments Url UpdatedDateUTC StatusAttributeString",
        JournalLines="ManualJournalLine",
        **_RESULTS,
    ),
    "ManualJournalLine": _shape(
        "LineAmount AccountCode AccountID Description TaxType TaxAmount IsBlank",
        Tracking="TrackingCategory",
    ),
    "Account": _shape(
        "AccountID Code Name Status Type TaxType Class Description EnablePaymentsToAccount "
        "ShowInExpenseClaims BankAccountNumber BankAccountType CurrencyCode ReportingCode "
        "ReportingCodeName SystemAccount HasAttachments UpdatedDateUTC AddToWatchlist",
        **_ERRORS,
    ),
    "TaxRate": _shape(
        "Name TaxType ReportTaxType Status DisplayTaxRate EffectiveRate CanApplyToAssets "
        "CanApplyToEquity CanApplyToExpenses CanApplyToLiabilities CanApplyToRevenue",
        TaxComponents="TaxComponent",
    ),
    "TaxComponent": _shape("Name Rate IsCompound IsNonRecoverable"),
    "Currency": _shape("Code Description"),
    "Item": _shape(
        "ItemID Code Name Description IsSold IsPurchased IsTrackedAsInventory "
        "UpdatedDateUTC StatusAttributeString",
        SalesDetails="Purchase",
        PurchaseDetails="Purchase",
        **_ERRORS,
    ),
    "Purchase": _shape("UnitPrice AccountCode COGSAccountCode TaxType"),
    "Organisation": _shape(
        "OrganisationID Name LegalName BaseCurrency CountryCode IsDemoCompany "
        "OrganisationStatus OrganisationType Version PaysTax SalesTaxBasis SalesTaxPeriod"
    ),
    "ValidationError": _shape("Message"),
    "Element": _shape(
        "CreditNoteID ContactID InvoiceID ItemID", ValidationErrors="ValidationError"
    ),
}
COLLECTIONS = {
    "Invoices": "Invoice",
    "CreditNotes": "CreditNote",
    "Payments": "Payment",
    "Allocations": "Allocation",
    "Contacts": "Contact",
    "Journals": "Journal",
    "ManualJournals": "ManualJournal",
    "Accounts": "Account",
    "TaxRates": "TaxRate",
    "Currencies": "Currency",
    "Items": "Item",
    "Organisations": "Organisation",
}
"""The schema of each item of a collection the emulator answers with."""


def project(schema: str, value: Any) -> Any:
    """``value`` with only what ``SHAPES[schema]`` lists, at every depth."""
    if isinstance(value, list):
        return [project(schema, v) for v in value]
    if not isinstance(value, dict):
        return value
    shape = SHAPES[schema]
    kept: dict[str, Any] = {}
    for key, child in value.items():
        if key not in shape.keys:
            continue
        inner = shape.nested.get(key)
        kept[key] = child if inner is None else project(inner, child)
    return kept
