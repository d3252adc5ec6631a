"""``GET /dashboard``: one page for ops — where the deals are, which are parked and why,
what the inbox holds, and whether the ledger balances.

Server-rendered HTML that refreshes itself; no script. Every figure is read live from
Temporal's visibility and our store. In production it needs the ops token (put it
behind the proxy that authenticates your staff); in dev mode it is open on loopback.
"""

from __future__ import annotations

import asyncio
import re
from html import escape
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from quote2cash.api.board import Board, collect
from quote2cash.api.deps import StateDep, require_ops
from quote2cash.api.errors import NotFound
from quote2cash.api.runbook_page import runbook_html
from quote2cash.billing.accounts import Accounts
from quote2cash.chart.mapping import mapping_for

router = APIRouter(tags=["ops"])


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(a)}</td><td>{b}</td></tr>" for a, b in pairs)


def _render(board: Board, ui: str, namespace: str, accounts: Accounts) -> str:
    names = {code: role.replace("_", " ") for role, code in accounts}
    stages = _rows([(s, str(n)) for s, n in board.stages.items()])
    parked = _rows(
        [
            (
                wf_id,
                f'<a href="{ui}/namespaces/{namespace}/workflows/{escape(wf_id)}">history</a> · '
                f'<a href="/runbooks/{escape(reason)}">{escape(reason) or "?"}</a>',
            )
            for wf_id, reason in board.parked
        ]
    )
    inbox = _rows([(status, str(n)) for status, n in sorted(board.inbox.items())])
    money = _rows(
        [
            (f"{currency} {account} {names.get(account, '')}", f"{amount:,.2f}")
            for currency, accounts in sorted(board.balances.items())
            for account, amount in sorted(accounts.items())
        ]
    )
    warn = "".join(
        f'<p class="bad">{what}: {escape(error)}</p>'
        for what, error in (("Temporal", board.temporal_error), ("Database", board.database_error))
        if error
    )
    verdict = '<b class="ok">balanced</b>' if board.balanced else '<b class="bad">NOT balanced</b>'
    if board.database_error:
        verdict = '<b class="bad">not read</b>'
    return f"""<!doctype html><html><head><meta charset="utf-8">
<meta http-equiv="refresh" content="5"><title>quote2cash</title><style>
body{{font:14px system-ui,sans-serif;margin:2em;color:#222}} h1{{font-size:20px}}
section{{display:inline-block;vertical-align:top;margin:0 2em 2em 0}}
table{{border-collapse:collapse}} td{{padding:3px 12px;border-bottom:1px solid #ddd}}
td:last-child{{text-align:right}} .ok{{color:#17803d}} .bad{{color:#b42318}}</style></head>
<body><h1>quote2cash</h1>{warn}
<section><h2>Deals by stage</h2><table>{stages}</table></section>
<section><h2>Needs attention</h2><table>{parked or "<tr><td>none</td></tr>"}</table></section>
<section><h2>Webhook inbox</h2><table>{inbox}</table></section>
<section><h2>Ledger ({verdict})</h2><table>{money}</table>
<p>Σ debit - Σ credit per account; every currency sums to zero when balanced.</p></section>
<p><a href="{ui}">Temporal UI</a> · <a href="/docs">API</a></p></body></html>"""


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, state: StateDep) -> HTMLResponse:
    if state.settings.mode == "production":
        require_ops(request, state)
    board = await collect(state)
    ui = f"http://127.0.0.1:{state.settings.temporal_ui_port}"
    accounts = mapping_for(state.settings).accounts
    return HTMLResponse(_render(board, ui, state.settings.temporal_namespace, accounts))


RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
RUNBOOK_NAME = re.compile(r"^[A-Za-z][A-Za-z.]{0,99}$")
"""Short enough for any file system: a longer name is no page, not an OSError."""


@router.get("/runbooks/{name}", response_class=HTMLResponse)
async def runbook(name: str) -> HTMLResponse:
    """The runbook page a parked deal links to, as HTML (links to other runbooks work)."""
    path = RUNBOOKS / f"{name}.md"
    if not RUNBOOK_NAME.match(name) or not path.is_file():
        raise NotFound(f"no runbook named {name!r}; the index is /runbooks/README")
    return HTMLResponse(runbook_html(name, await asyncio.to_thread(path.read_text)))
