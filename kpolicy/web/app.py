"""The ASGI application and its safety machinery.

- Reads are open to whoever can reach the server (it binds 127.0.0.1 unless told otherwise).
- Every write needs the server's token: the `kpolicy_token` cookie, which the URL printed at
  start sets (`/?token=T` -> cookie, redirect to the same page without the token), or an
  `Authorization: Bearer T` header. A write by cookie must also carry the form's CSRF token
  (an HMAC of the token, rendered only into pages for a signed-in browser); a Bearer request
  is not a browser's ambient credential and needs none.
- `read_only` refuses every write with 403 before any database work.
- Every response carries a strict Content-Security-Policy (scripts and styles only from
  /static, no inline script or style), nosniff, no framing, no cross-site referrer.
- Errors: the library's typed errors become an error page (or JSON) with their one-line
  message; anything else is logged on the server's stderr and the browser gets a plain
  "internal error" page, never a stack trace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kpolicy.errors import MAX_ID, BadInput, KpolicyError
from kpolicy.errors import Conflict as StaleEdit

HERE = Path(__file__).parent


def _at_most(limit: int) -> str:
    """A regular expression for the decimal numbers 0..limit (no leading zeros needed)."""
    digits = str(limit)
    parts = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, d in enumerate(digits):
        if d != "0":
            rest = len(digits) - i - 1
            parts.append(digits[:i] + (f"[0-{int(d) - 1}]" if i or d != "1" else "0") + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConvertor(Convertor):
    """`{id:id}` in a route: an id a kpolicy table can hold (ASCII digits, at most MAX_ID). A larger
    one matches no route (404), where `{id:int}` handed 10^20 to the driver (OverflowError: 500) and
    3,000,000,000 to PostgreSQL ("integer out of range": 500)."""

    regex = _at_most(MAX_ID)

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value) -> str:
        return str(int(value))


register_url_convertor("id", IdConvertor())
COOKIE = "kpolicy_token"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
BY_COOKIE = "kpolicy_by"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",  # no-referrer would make browsers send `Origin: null` on our own forms
    "cache-control": "no-store",
}
log = logging.getLogger("kpolicy.web")


class Conflict(StaleEdit):
    """A form was made from an older version of the event than the one stored (409)."""

    def __init__(self, message: str, event_id: int | None = None, expected: int | None = None, current: int | None = None):
        super().__init__(message)
        self.event_id, self.expected, self.current = event_id, expected, current


class NotFound(BadInput):
    """No such event, source, change or proposal (404)."""


@dataclass
class Desk:
    """What every handler needs: the database, the token, the mode, the templates."""

    database: object
    token: str
    read_only: bool = False
    user: str | None = None  # who writes when a form names nobody (--by, KPOLICY_USER, OS user)
    allowed_hosts: frozenset[str] = LOOPBACK_NAMES  # what the Host header may name (lower case, no port)
    env: Environment = field(init=False)

    def __post_init__(self):
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
        from kpolicy.dates import humanize

        self.env.filters["human"] = humanize
        from kpolicy.records import link_url

        self.env.tests["link_url"] = link_url  # only http(s) and mailto become links; a stored javascript: stays text
        self.env.globals["qs"] = qs

    # -- auth --------------------------------------------------------------------------------
    def csrf_token(self) -> str:
        return hmac.new(self.token.encode(), b"kpolicy-csrf", hashlib.sha256).hexdigest()

    def signed_in(self, request: Request) -> bool:
        return bool(request.cookies.get(COOKIE)) and same_secret(request.cookies.get(COOKIE, ""), self.token)

    def bearer(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return False
        return same_secret(header[7:].strip(), self.token)

    def render(self, request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
        signed_in = self.signed_in(request)
        page = self.env.get_template(template).render(
            **context,
            request=request,
            path=request.url.path,
            read_only=self.read_only,
            signed_in=signed_in,
            can_write=signed_in and not self.read_only,
            csrf=self.csrf_token() if signed_in else "",
            by=request.cookies.get(BY_COOKIE, ""),
        )
        return HTMLResponse(page, status_code=status)


def same_secret(given, expected: str) -> bool:
    """Constant-time comparison of a presented token (cookie, Bearer, ?token=, CSRF) with ours, as
    bytes: hmac.compare_digest raises TypeError on str with non-ASCII characters (a 500)."""
    if not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def host_allowed(host_header: str, allowed: frozenset[str]) -> bool:
    """The Host header names one of the addresses this server answers to (the port is ignored):
    a page rebound by DNS to 127.0.0.1 sends its own name and is refused (issue 24, item 21)."""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.rsplit(":", 1)[0]
    return host.rstrip(".") in allowed


def qs(params: dict, **changes) -> str:
    """A query string from params with some keys changed (None drops a key); lists repeat."""
    merged = {**params, **changes}
    pairs = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, v))
    return ("?" + urlencode(pairs)) if pairs else ""


def json_response(data, status: int = 200) -> Response:
    from kpolicy.views.render import dumps

    return Response(dumps(data) + "\n", status_code=status, media_type="application/json")


def wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", "")


def error_response(request: Request, status: int, title: str, message: str, extra: dict | None = None) -> Response:
    desk: Desk = request.app.state.desk
    if wants_json(request):
        return json_response({"error": message, "status": status, **(extra or {})}, status)
    return desk.render(request, "error.html", {"title": title, "message": message, **(extra or {})}, status)


STATUS_OF = {"NotFound": 404, "Conflict": 409}


def status_for(exc: KpolicyError) -> int:
    name = type(exc).__name__
    if name in STATUS_OF:
        return STATUS_OF[name]
    if "Conflict" in name or "Stale" in name:
        return 409
    if isinstance(exc, BadInput) and str(exc).startswith("no "):
        return 404
    return 400 if exc.exit_code == 2 else 500


async def handle_kpolicy_error(request: Request, exc: KpolicyError) -> Response:
    status = status_for(exc)
    if status == 409:
        extra = {"event_id": getattr(exc, "event_id", None)}
        return error_response(request, 409, "Conflict: the event changed meanwhile", str(exc), extra)
    titles = {404: "Not found", 400: "Bad input", 500: "Failure"}
    return error_response(request, status, titles.get(status, "Error"), str(exc))


async def handle_http(request: Request, exc: HTTPException) -> Response:
    return error_response(request, exc.status_code, {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error"), exc.detail or "")


async def handle_any(request: Request, exc: Exception) -> Response:
    if type(exc).__module__.startswith("sqlalchemy"):
        from kpolicy.store.db import translate_error

        translated = translate_error(exc, request.app.state.desk.database.target)
        log.error("database error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(request, 500, "Database error", str(translated))
    log.error("internal error on %s %s\n%s", request.method, request.url.path, traceback.format_exc())
    return error_response(request, 500, "Internal error", "something went wrong on the server; the server's log has the details")


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, token cookie from ?token=, timings."""

    def __init__(self, app, desk: Desk):
        self.app, self.desk = app, desk

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if not host_allowed(request.headers.get("host", ""), self.desk.allowed_hosts):
            shown = request.headers.get("host", "")[:100]
            response = Response(f"Host {shown!r} is not an address this server answers to; open the URL kpolicy serve printed, "
                                "or start it with --allow-host NAME\n", status_code=400, media_type="text/plain")
            for key, value in SECURITY_HEADERS.items():
                response.headers[key] = value
            return await response(scope, receive, send)
        given = request.query_params.get("token")
        if given is not None:
            # the printed URL: set the cookie and drop the token from the address bar and history
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (("?" + urlencode(params)) if params else "")
            if same_secret(given, self.desk.token):
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(COOKIE, self.desk.token, httponly=True, samesite="strict", path="/")
            else:
                response = HTMLResponse("<!doctype html><title>Wrong token</title><p>Wrong token: open the URL kpolicy serve printed.</p>", status_code=403)
            for key, value in SECURITY_HEADERS.items():
                response.headers[key] = value
            return await response(scope, receive, send)
        started = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                ms = (time.perf_counter() - started) * 1000
                headers.append((b"server-timing", f"app;dur={ms:.1f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        started_response = False

        async def tracking_send(message):
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
            await send_with_headers(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the browser gets a page, the log gets the trace
            if started_response:
                raise
            response = await handle_any(Request(scope, receive), exc)
            await response(scope, receive, send_with_headers)
