"""A runbook page as HTML: the Markdown in ``runbooks/`` rendered by markdown-it-py
(CommonMark, raw HTML off so the page's text is escaped, links checked by its
``validateLink``). Links to another runbook (``ProvisioningOverdue.md``) become
``/runbooks/ProvisioningOverdue``; other relative links (``../docs/alerts.md``) name a
file the API does not serve, so they are kept as text, not dead links."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

RUNBOOK_LINK = re.compile(r"^(?P<name>[A-Za-z][A-Za-z.]{0,99})\.md(?P<anchor>#[\w-]*)?$")
_DROPPED = "q2c_dropped_links"


def _link_open(
    renderer: RendererHTML, tokens: Sequence[Token], i: int, options: OptionsDict, env: EnvType
) -> str:
    token = tokens[i]
    href = str(token.attrGet("href") or "")
    found = RUNBOOK_LINK.match(href)
    if found:
        token.attrSet("href", f"/runbooks/{found['name']}{found['anchor'] or ''}")
    elif not re.match(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", href, re.IGNORECASE):
        env.setdefault(_DROPPED, []).append(True)  # its link_close is dropped too
        return ""
    return renderer.renderToken(tokens, i, options, env)


def _link_close(
    renderer: RendererHTML, tokens: Sequence[Token], i: int, options: OptionsDict, env: EnvType
) -> str:
    dropped: list[Any] = env.get(_DROPPED, [])
    if dropped:
        dropped.pop()
        return ""
    return renderer.renderToken(tokens, i, options, env)


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    md.add_render_rule("link_open", _link_open)
    md.add_render_rule("link_close", _link_close)
    return md


MARKDOWN = _renderer()


def runbook_html(name: str, markdown: str) -> str:
    body = MARKDOWN.render(markdown, {})
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>{escape(name)} · quote2cash runbook</title><style>
body{{font:15px/1.5 system-ui,sans-serif;margin:2em auto;max-width:50em;color:#222}}
code{{background:#f3f3f3;padding:0 3px}} td,th{{padding:3px 10px;border-bottom:1px solid #ddd}}
table{{border-collapse:collapse}}</style></head>
<body><p><a href="/runbooks/README">All runbooks</a> · <a href="/dashboard">Dashboard</a></p>
{body}</body></html>"""
