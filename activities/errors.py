"""Turn vendor and data errors into Temporal ``ApplicationError`` types.

The type is what an on-call engineer filters by and the runbook page's name
(``runbooks/<type>.md``): ``Xero.ValidationFailed``, ``HubSpot.NotFound``,
``InvalidMasterData``... Permanent errors are non-retryable, so the workflow parks the
deal at once; rate limits retry after the vendor's ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio.exceptions import ApplicationError

from quote2cash.connectors.errors import RateLimited, VendorError
from quote2cash.error_types import INVALID_MASTER_DATA


class InvalidMasterData(ValueError):
    """The CRM's data cannot be billed as it is; a person must fix it at the source."""


def to_application_error(exc: VendorError) -> ApplicationError:
    vendor = {"hubspot": "HubSpot", "xero": "Xero"}.get(exc.vendor.lower(), exc.vendor)
    kind = f"{vendor}.{type(exc).__name__}"
    delay = None
    if isinstance(exc, RateLimited) and exc.retry_after is not None:
        delay = timedelta(seconds=exc.retry_after)
    return ApplicationError(
        str(exc),
        *getattr(exc, "messages", []),
        type=kind,
        non_retryable=not exc.retryable,
        next_retry_delay=delay,
    )


@contextmanager
def vendor_errors() -> Iterator[None]:
    """Inside an activity: raise vendor and master-data errors as Temporal sees them."""
    try:
        yield
    except VendorError as exc:
        raise to_application_error(exc) from exc
    except InvalidMasterData as exc:
        raise ApplicationError(str(exc), type=INVALID_MASTER_DATA, non_retryable=True) from exc
