"""Where a vendor client gets its bearer token: ``AccessTokens``.

A client asks for ``access_token()`` before each request; after a 401 it calls
``rejected(token)`` once and retries with whatever ``access_token()`` gives next (another
process may have refreshed, or the token expired early). ``StaticToken`` is a fixed
token (tests, HubSpot private apps); stored OAuth connections are
``quote2cash.connect.tokens.StoredTokens``.
"""

from __future__ import annotations

from typing import Protocol


class AccessTokens(Protocol):
    async def access_token(self) -> str:
        """A token believed valid now; raises ``Unauthorized`` if none can be had."""
        ...

    async def rejected(self, token: str) -> None:
        """The vendor refused ``token`` (401): do not hand it out again."""
        ...


class StaticToken:
    """A fixed bearer: a rejection cannot be helped, so a retry is pointless."""

    retry_on_rejection = False

    def __init__(self, token: str) -> None:
        self._token = token

    async def access_token(self) -> str:
        return self._token

    async def rejected(self, token: str) -> None:
        return None
