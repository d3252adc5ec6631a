"""What Temporal is told when a vendor call fails: retry or not, and after how long.

A 429's ``Retry-After``, and the limiter's own refusal, become the activity's
``next_retry_delay``; 5xx and lost connections retry on the workflow's backoff; refusals
of content never retry.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.accounting import AccountingActivities
from activities.errors import to_application_error
from activities.models import CustomerRequest
from quote2cash.connectors.errors import RateLimited, Unavailable, ValidationFailed
from quote2cash.sandbox.common.faults import FaultConfig, RouteFault
from tests.billing.factories import bill_to
from tests.faults.conftest import Vendors


def test_rate_limited_retries_after_the_vendors_delay() -> None:
    error = to_application_error(RateLimited("xero", "minute", retry_after=7.5))
    assert error.type == "Xero.RateLimited"
    assert not error.non_retryable
    assert error.next_retry_delay == timedelta(seconds=7.5)


def test_rate_limited_without_retry_after_uses_the_workflows_backoff() -> None:
    error = to_application_error(RateLimited("hubspot", "burst", retry_after=None))
    assert error.type == "HubSpot.RateLimited"
    assert not error.non_retryable
    assert error.next_retry_delay is None


def test_unavailable_retries_and_validation_does_not() -> None:
    assert not to_application_error(Unavailable("xero", "timed out")).non_retryable
    refused = to_application_error(
        ValidationFailed("xero", "bad", messages=["Account code '999' is not valid"])
    )
    assert refused.non_retryable
    assert refused.details == ("Account code '999' is not valid",)


async def test_a_429_from_xero_sets_the_activitys_next_retry_delay(vendors: Vendors) -> None:
    burst = RouteFault(path="/api.xro/2.0/*", rate_limit_burst=1, retry_after_seconds=7)
    await vendors.faults(vendors.xero, FaultConfig(routes=[burst]))
    accounting = AccountingActivities(vendors.deps)
    request = CustomerRequest(deal_id="d1", bill_to=bill_to())
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(accounting.ensure_customer, request)
    assert caught.value.type == "Xero.RateLimited"
    assert caught.value.next_retry_delay == timedelta(seconds=7)
    # The limiter heard it too: every Xero call of this worker now waits for the pause.
    assert vendors.deps.limiters.xero.paused_until > 0


async def test_a_call_the_limiter_refuses_is_retried_later_not_sent(vendors: Vendors) -> None:
    limiter = vendors.deps.limiters.xero
    limiter.observe(429, {"Retry-After": "3600", "X-Rate-Limit-Problem": "daily"})
    accounting = AccountingActivities(vendors.deps)
    request = CustomerRequest(deal_id="d1", bill_to=bill_to())
    with pytest.raises(ApplicationError) as caught:
        await ActivityEnvironment().run(accounting.ensure_customer, request)
    assert caught.value.type == "Xero.RateLimited"
    assert "client-side limit" in str(caught.value)
    delay = caught.value.next_retry_delay
    assert delay is not None
    assert delay >= timedelta(seconds=3599)
    assert limiter.deferred == 1
