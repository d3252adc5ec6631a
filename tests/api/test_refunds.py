"""POST /deals/{crm}/{deal}/refund refuses a malformed partial refund before it looks at
the deal: the 422 says what was wrong."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import Api


@pytest.mark.parametrize(
    ("body", "wrong"),
    [
        ({"reason": "x", "amount": "5.00"}, "needs both amount and refund_id"),
        ({"reason": "x", "refund_id": "R1"}, "needs both amount and refund_id"),
        ({"reason": "x", "amount": 5.5, "refund_id": "R1"}, "is a float"),
        ({"reason": "x", "amount": "0", "refund_id": "R1"}, "greater than 0"),
        ({"reason": "x", "amount": "-3.00", "refund_id": "R1"}, "greater than 0"),
        ({"reason": "x", "amount": "five", "refund_id": "R1"}, "not a decimal number"),
        ({"reason": "x", "amount": "5.00", "refund_id": "R:1"}, "should match pattern"),
        ({"reason": "x", "amount": "5.00", "refund_id": ""}, "should match pattern"),
    ],
)
async def test_a_malformed_partial_refund_is_refused(
    api: Api, body: dict[str, Any], wrong: str
) -> None:
    response = await api.ops("POST", "/deals/hubspot/123/refund", json=body)
    assert response.status_code == 422, response.text
    assert wrong in response.text


async def test_the_state_of_a_partial_refund_needs_a_valid_refund_id(api: Api) -> None:
    response = await api.ops("GET", "/deals/hubspot/123/refund", params={"refund_id": "a b"})
    assert response.status_code == 422, response.text
    missing = await api.ops("GET", "/deals/hubspot/123/refund", params={"refund_id": "R9"})
    assert missing.status_code == 404, missing.text
    assert "refund:hubspot:123:R9" in missing.text
