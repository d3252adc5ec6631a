"""How a person (or the demo) consents: given the authorize URL, return the URL that the
identity server redirected back to, with its ``code`` and ``state``.

- ``loopback_consent``: a one-shot HTTP listener on the redirect URI's loopback port,
  and the browser opened at the authorize URL (RFC 8252 section 7.3);
- ``paste_consent``: for a headless box, the URL printed and the redirected URL (or its
  code) read back from stdin;
- ``auto_consent``: against an identity server that consents at once (the emulator),
  follow its redirect without a browser.
"""

from __future__ import annotations

import asyncio
import http.server
import threading
import webbrowser
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode, urlsplit

import httpx

Consent = Callable[[str], Awaitable[str]]
Say = Callable[[str], None]

DONE_PAGE = b"<html><body><p>quote2cash is connected. You can close this tab.</p></body></html>"


class ConsentFailed(RuntimeError):
    """No redirect came back (refused, timed out, or not a redirect at all)."""


def auto_consent(http: httpx.AsyncClient) -> Consent:
    async def consent(url: str) -> str:
        answer = await http.get(url, follow_redirects=False)
        if answer.status_code not in (302, 303) or "location" not in answer.headers:
            raise ConsentFailed(f"authorize answered {answer.status_code}, not a redirect")
        return answer.headers["location"]

    return consent


def paste_consent(say: Say, read: Callable[[], str], redirect_uri: str) -> Consent:
    async def consent(url: str) -> str:
        say(f"Open this URL in a browser and allow access:\n\n  {url}\n")
        say("Then paste the address the browser was sent to (or just its code):")
        given = (await asyncio.to_thread(read)).strip()
        if not given:
            raise ConsentFailed("nothing was pasted")
        if "://" in given:
            return given
        state = dict(p.split("=", 1) for p in urlsplit(url).query.split("&") if "=" in p)
        query = {"code": given, **({"state": state["state"]} if "state" in state else {})}
        return f"{redirect_uri}?{urlencode(query)}"

    return consent


def loopback_consent(say: Say, redirect_uri: str, *, timeout: float = 300.0) -> Consent:
    parts = urlsplit(redirect_uri)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or parts.port is None:
        raise ConsentFailed(f"{redirect_uri} is not a loopback address with a port: use --paste")
    host, port, path = parts.hostname, parts.port, parts.path or "/"

    async def consent(url: str) -> str:
        received: list[str] = []
        server = _one_shot(host, port, path, received)
        thread = threading.Thread(target=_serve_until_received, args=(server, received))
        thread.start()
        try:
            say(f"Opening a browser to allow access; if none opens, visit:\n\n  {url}\n")
            webbrowser.open(url)
            await asyncio.wait_for(asyncio.to_thread(thread.join), timeout)
        except TimeoutError as exc:
            raise ConsentFailed(f"no redirect to {redirect_uri} within {timeout:.0f}s") from exc
        finally:
            server.shutdown_requested = True  # type: ignore[attr-defined]
            server.server_close()
        return f"{parts.scheme}://{parts.netloc}{received[0]}"

    return consent


def _one_shot(host: str, port: int, path: str, received: list[str]) -> http.server.HTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path != path:
                self.send_error(404)
                return
            received.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(DONE_PAGE)

        def log_message(self, format: str, *args: object) -> None:
            return  # the query holds the authorization code: keep it out of stderr

    server = http.server.HTTPServer((host, port), Handler)
    server.timeout = 0.5
    return server


def _serve_until_received(server: http.server.HTTPServer, received: list[str]) -> None:
    while not received and not getattr(server, "shutdown_requested", False):
        server.handle_request()
