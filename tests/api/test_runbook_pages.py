"""``/runbooks/<name>`` is an HTML page whose links to other runbooks work, and whose
Markdown cannot inject markup."""

from __future__ import annotations

import re

from quote2cash.api.runbook_page import runbook_html
from tests.api.support import Api


async def test_a_runbook_is_html_and_its_links_lead_to_runbooks(api: Api) -> None:
    page = await api.http.get("/runbooks/NotRetryable")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>NotRetryable</h1>" in page.text
    links = re.findall(r'href="([^"]+)"', page.text)
    assert "/runbooks/ProvisioningOverdue" in links
    assert not [link for link in links if link.endswith(".md")]
    for link in {link for link in links if link.startswith("/runbooks/")}:
        assert (await api.http.get(link)).status_code == 200, link

    index = await api.http.get("/runbooks/README")
    assert index.status_code == 200
    assert 'href="/runbooks/Xero.ValidationFailed"' in index.text

    # A link out of runbooks/ names a file the API does not serve: kept as text.
    overdue = (await api.http.get("/runbooks/ProvisioningOverdue")).text
    assert "../docs/alerts.md" not in overdue
    assert "docs/alerts.md" in overdue


def test_markdown_cannot_inject_markup() -> None:
    page = runbook_html(
        "<b>x</b>",
        "# T\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        '[ok](Xero.Conflict.md) [" onmouseover="x](https://example.com/a"b)',
    )
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page  # refused as a link, kept as text
    assert 'href="/runbooks/Xero.Conflict"' in page
    assert "<title>&lt;b&gt;x&lt;/b&gt;" in page
    assert 'onmouseover="x"' not in page
