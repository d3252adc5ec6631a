"""FastAPI: webhook ingress (HubSpot, Xero, provisioning), ops endpoints, codec server."""
