"""POST /preview answers what `q2c preview` prints, from the same billing code path."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx

from quote2cash.api.app import create_app
from quote2cash.billing.preview import load_document, preview_document
from quote2cash.settings import Settings

EXAMPLES = Path(__file__).parents[2] / "examples"


async def _post(body: bytes, database_url: str) -> httpx.Response:
    app = create_app(Settings(database_url=database_url), relay_loop=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://q2c.test") as http,
    ):
        return await http.post("/preview", content=body)


async def test_preview_prices_the_example_by_hand(database_url: str) -> None:
    text = (EXAMPLES / "quote-eu-reverse-charge.json").read_text()
    response = await _post(text.encode(), database_url)
    assert response.status_code == 200
    invoice = response.json()["invoice"]
    # L1: 5 x 19.95 = 99.75 a month; 15 to 31 May is 17 of 31 days: factor 0.548387097
    #     (9 places) x 99.75 = 54.7016... -> 54.70; less 10% = 49.23; less the 5% order
    #     discount = 46.7685 -> 46.77.
    # L2: 1 x 250.00 less 5% = 237.50.
    # U1: events 800 + 1700 + 9000 = 11500 api calls (e2 sent twice, counted once):
    #     tier 1 1000 x 0 = 0.00, tier 2 9000 x 0.002 = 18.00, tier 3 1500 x 0.001 = 1.50.
    # Reverse charge (DE customer with a VAT id, IE seller): no tax.
    # 46.77 + 237.50 + 0.00 + 18.00 + 1.50 = 303.77.
    assert [(li["line_id"], Decimal(li["net_amount"])) for li in invoice["lines"]] == [
        ("L1", Decimal("46.77")),
        ("L2", Decimal("237.50")),
        ("U1:tier1", Decimal("0.00")),
        ("U1:tier2", Decimal("18.00")),
        ("U1:tier3", Decimal("1.50")),
    ]
    assert {li["tax_treatment"] for li in invoice["lines"]} == {"reverse_charge"}
    totals = (invoice["subtotal"], invoice["tax_total"], invoice["total"])
    assert [Decimal(x) for x in totals] == [Decimal("303.77"), Decimal(0), Decimal("303.77")]
    assert all(li["explanation"] for li in invoice["lines"])


async def test_preview_text_is_what_the_cli_prints(database_url: str) -> None:
    # The CLI and the endpoint share one renderer; this pins that they stay the same
    # path (the figures themselves are checked by hand above).
    text = (EXAMPLES / "quote-eu-reverse-charge.json").read_text()
    response = await _post(text.encode(), database_url)
    assert response.json()["text"] == preview_document(load_document(text)).text
    assert "Total    303.77 EUR" in response.json()["text"]


async def test_bad_document_is_a_422_that_says_what_is_wrong(database_url: str) -> None:
    response = await _post(b'{"kind": "nonsense"}', database_url)
    assert response.status_code == 422
    assert response.json() == {
        "error": "WrongShape",
        "detail": '"kind" must be "invoice" or "amendment"',
    }
