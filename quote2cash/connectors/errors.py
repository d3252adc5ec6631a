"""Errors of the vendor clients: one hierarchy for every vendor, mapped from HTTP.

::

    VendorError                  vendor, status, detail, retryable
     ├── RateLimited             429; retry_after seconds from ``Retry-After``   (retryable)
     ├── Unavailable             5xx, timeouts, connection errors                (retryable)
     ├── ValidationFailed        400/422; messages: the vendor's own words
     ├── Unauthorized            401/403: token, tenant or scope
     ├── NotFound                404
     └── Conflict                409

Clients raise the most specific class ``from`` the ``httpx`` exception that caused it, so
the chain keeps the request and response. Activities turn these into ``ApplicationError``
with ``type=<class name>`` and ``non_retryable=not retryable``.
"""

from __future__ import annotations

from collections.abc import Sequence


class VendorError(Exception):
    """A vendor call failed; ``detail`` is what the vendor said, fit for an operator."""

    retryable: bool = False

    def __init__(self, vendor: str, detail: str, *, status: int | None = None) -> None:
        super().__init__(
            f"{vendor}: {detail}" if status is None else f"{vendor} {status}: {detail}"
        )
        self.vendor = vendor
        self.status = status
        self.detail = detail


class RateLimited(VendorError):
    retryable = True

    def __init__(
        self, vendor: str, detail: str, *, status: int | None = 429, retry_after: float | None
    ) -> None:
        super().__init__(vendor, detail, status=status)
        self.retry_after = retry_after


class Unavailable(VendorError):
    """The vendor could not answer now: worth retrying with backoff."""

    retryable = True


class ValidationFailed(VendorError):
    """The vendor refused the content of the request; retrying the same request fails again."""

    def __init__(
        self, vendor: str, detail: str, *, status: int | None = 400, messages: Sequence[str] = ()
    ) -> None:
        super().__init__(vendor, detail, status=status)
        self.messages = list(messages) or [detail]


class Unauthorized(VendorError):
    pass


class NotFound(VendorError):
    pass


class Conflict(VendorError):
    pass


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header; HTTP-dates are not used by these vendors."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
