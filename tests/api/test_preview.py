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


async def test_preview_prices_the_example_like_the_cli(database_url: str) -> None:
    text = (EXAMPLES / "quote-eu-reverse-charge.json").read_text()
    response = await _post(text.encode(), database_url)
    assert response.status_code == 200
    expected = preview_document(load_document(text))
    body = response.json()
    assert Decimal(body["invoice"]["total"]) == expected.invoice.total
    assert body["text"] == expected.text
    assert all(line["explanation"] for line in body["invoice"]["lines"])


async def test_bad_document_is_a_422_that_says_what_is_wrong(database_url: str) -> None:
    response = await _post(b'{"kind": "nonsense"}', database_url)
    assert response.status_code == 422
    assert response.json() == {
        "error": "WrongShape",
        "detail": '"kind" must be "invoice" or "amendment"',
    }
