"""``PUT /Accounts`` in the Xero emulator: a user's new account, Xero's rules and errors.

Every exchange goes through the contract checker (``xero_http``): requests and answers,
400s included, must match Xero's OpenAPI spec.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from quote2cash.sandbox.common.server import ThreadedServer
from tests.sandbox.conftest import XERO_TENANT, XERO_TOKEN

HEADERS = {"Authorization": f"Bearer {XERO_TOKEN}", "xero-tenant-id": XERO_TENANT}
BAD_DEBTS = {"Code": "BADDEBT", "Name": "Bad Debts", "Type": "EXPENSE", "TaxType": "NONE"}


async def _put(
    http: httpx.AsyncClient, server: ThreadedServer, body: Any, **headers: str
) -> httpx.Response:
    return await http.put(
        f"{server.url}/api.xro/2.0/Accounts", json=body, headers=HEADERS | headers
    )


def _errors(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    return [e["Message"] for e in body["Elements"][0]["ValidationErrors"]]


async def _chart(http: httpx.AsyncClient, server: ThreadedServer) -> list[dict[str, Any]]:
    response = await http.get(f"{server.url}/api.xro/2.0/Accounts", headers=HEADERS)
    found: list[dict[str, Any]] = response.json()["Accounts"]
    return found


async def test_an_expense_account_is_added_to_the_chart(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    response = await _put(xero_http, xero_server, BAD_DEBTS | {"Description": "Written off"})
    assert response.status_code == 200, response.text
    [created] = response.json()["Accounts"]
    assert {k: created[k] for k in ("Code", "Name", "Type", "Class", "TaxType", "Status")} == {
        "Code": "BADDEBT",
        "Name": "Bad Debts",
        "Type": "EXPENSE",
        "Class": "EXPENSE",
        "TaxType": "NONE",
        "Status": "ACTIVE",
    }
    assert created["Description"] == "Written off"
    base = f"{xero_server.url}/api.xro/2.0/Accounts"
    fetched = await xero_http.get(f"{base}/{created['AccountID']}", headers=HEADERS)
    assert fetched.json()["Accounts"][0] == created
    by_code = await xero_http.get(base, params={"where": 'Code=="BADDEBT"'}, headers=HEADERS)
    assert [a["AccountID"] for a in by_code.json()["Accounts"]] == [created["AccountID"]]


async def test_tax_type_defaults_by_class_and_only_the_first_account_is_taken(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    two = {
        "Accounts": [
            {"Code": "480", "Name": "Staff Training", "Type": "OVERHEADS"},
            {"Code": "481", "Name": "Second one", "Type": "EXPENSE"},
        ]
    }
    [created] = (await _put(xero_http, xero_server, two)).json()["Accounts"]
    assert (created["Code"], created["TaxType"], created["Class"]) == ("480", "INPUT2", "EXPENSE")
    equity = {"Code": "970", "Name": "Owner Funds Introduced", "Type": "EQUITY"}
    [owner] = (await _put(xero_http, xero_server, equity)).json()["Accounts"]
    assert (owner["TaxType"], owner["Class"]) == ("NONE", "EQUITY")
    codes = [a["Code"] for a in await _chart(xero_http, xero_server)]
    assert "481" not in codes


# Refusals of requests the spec itself rules out (a Type outside its enum, a Name over
# its maxLength) are sent unchecked: the contract checker would refuse them first.
OFF_SPEC = ("Account Type", "Account Name is too long")


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (BAD_DEBTS | {"Code": "200"}, "Please enter a unique Code."),
        (BAD_DEBTS | {"Name": "sales "}, "Please enter a unique Name."),
        (
            BAD_DEBTS | {"Code": "BADDEBTS-UK"},
            "Account Code is too long. Maximum of 10 characters allowed",
        ),
        (BAD_DEBTS | {"Type": "EXPENSES"}, "Account Type 'EXPENSES' is not valid."),
        (
            BAD_DEBTS | {"TaxType": "INPUT9"},
            "The TaxType code 'INPUT9' does not exist or cannot be used with this account.",
        ),
        (
            BAD_DEBTS | {"Name": "x" * 151},
            "Account Name is too long. Maximum of 150 characters allowed",
        ),
        (
            {"Code": "092", "Name": "Savings", "Type": "BANK"},
            "Please enter a Bank Account Number.",
        ),
    ],
)
async def test_refusals_in_xeros_words(
    xero_http: httpx.AsyncClient,
    raw_http: httpx.AsyncClient,
    xero_server: ThreadedServer,
    account: dict[str, Any],
    message: str,
) -> None:
    before = await _chart(xero_http, xero_server)
    http = raw_http if message.startswith(OFF_SPEC) else xero_http
    response = await _put(http, xero_server, account)
    assert _errors(response) == [message]
    # Xero echoes the whole element, but its spec's Element declares only ids: nothing
    # may be read from the echo but the errors.
    assert set(response.json()["Elements"][0]) == {"ValidationErrors"}
    assert await _chart(xero_http, xero_server) == before


async def test_an_empty_account_lists_every_missing_field(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    assert _errors(await _put(xero_http, xero_server, {"Description": "?"})) == [
        "Please enter a Code.",
        "Please enter a Name.",
        "Please select an Account Type.",
    ]


async def test_a_second_account_under_the_code_is_refused_and_a_retry_replays(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    first = await _put(xero_http, xero_server, BAD_DEBTS, **{"Idempotency-Key": "k1"})
    replay = await _put(xero_http, xero_server, BAD_DEBTS, **{"Idempotency-Key": "k1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["Accounts"] == first.json()["Accounts"]
    again = await _put(xero_http, xero_server, BAD_DEBTS | {"Name": "Bad Debts 2"})
    assert _errors(again) == ["Please enter a unique Code."]
    chart = await _chart(xero_http, xero_server)
    assert [a["Code"] for a in chart].count("BADDEBT") == 1


async def test_a_bank_account_gets_its_number_and_the_base_currency(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    bank = {"Code": "092", "Name": "Savings", "Type": "BANK", "BankAccountNumber": "20-00-00 1"}
    [created] = (await _put(xero_http, xero_server, bank)).json()["Accounts"]
    assert (created["Class"], created["CurrencyCode"], created["BankAccountType"]) == (
        "ASSET",
        "GBP",
        "BANK",
    )
    described = bank | {"Code": "093", "Name": "Other", "Description": "no"}
    assert _errors(await _put(xero_http, xero_server, described)) == [
        "Bank accounts cannot have a Description."
    ]


async def test_a_reset_forgets_created_accounts(
    xero_http: httpx.AsyncClient, xero_server: ThreadedServer
) -> None:
    assert (await _put(xero_http, xero_server, BAD_DEBTS)).status_code == 200
    await xero_http.post(f"{xero_server.url}/_sandbox/reset")
    assert "BADDEBT" not in {a["Code"] for a in await _chart(xero_http, xero_server)}
