"""Local, stateful, vendor-faithful emulators of the systems quote2cash talks to.

- ``quote2cash.sandbox.hubspot``: HubSpot CRM (objects v3, search, associations v4,
  pipelines) with signed ``deal.propertyChange`` webhooks.
- ``quote2cash.sandbox.xero``: Xero Accounting (contacts, invoices, payments, credit
  notes, manual journals, the journals Xero posts itself) with signed webhooks.

Each is a FastAPI app from ``create_app(config)``, persisted in SQLite, with fault
injection and an admin surface under ``/_sandbox/`` that no vendor path shares.
"""
