"""One typed async httpx client per vendor, with one error hierarchy for all of them.

- ``connectors.hubspot.HubSpotClient``: CRM objects v3, search, associations v4, properties.
- ``connectors.xero.XeroClient``: contacts, invoices, payments, credit notes, journals.
- ``connectors.errors``: ``VendorError`` and its subclasses (the tree is in its docstring).
- ``connectors.ratelimit``: client-side rate limits per vendor account, kept proactively
  and corrected from the vendors' 429s and rate-limit headers.
- ``connectors.jsoncodec``: JSON where amounts are ``Decimal`` both ways.
- ``connectors.signatures``: webhook signatures (HubSpot v3, Xero).

Each client takes the caller's ``httpx.AsyncClient`` and a base URL, so the same code
talks to the vendor or to ``quote2cash.sandbox``.
"""
