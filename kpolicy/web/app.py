"""The ASGI application and its safety machinery.

Two ways to sign in (docs/web.md, docs/team.md):
- **People** (once `kpolicy users add` has added anyone): every page needs a signed-in
  person. `/signin` takes the person's own token (checked against its Argon2id hash) and
  starts a session: a random key in the `kpolicy_session` cookie, looked up on every
  request, so an expired, signed-out or disabled person's session stops at once. A
  script sends `Authorization: Bearer kp_...` instead. Roles: a reader reads, a reviewer
  curates, an admin also removes sources; every change is recorded under the person.
- **One token** (`--token`, or nobody added): the single-analyst mode. Reads are open to
  whoever can reach the server (it binds 127.0.0.1 unless told otherwise); a write needs
  the server's token: the `kpolicy_token` cookie, which the URL printed at start sets
  (`/?token=T` -> cookie, redirect without the token), or a Bearer header; changes are
  recorded under --by / KPOLICY_USER / the OS user.
- Wrong tokens are rate-limited per client address (SIGNIN_LIMIT in SIGNIN_WINDOW seconds,
  then 429 until the window passes); reaching the limit is logged.
- A write by cookie must also carry the form's CSRF token (an HMAC of the session key or
  the server token, rendered only into pages for a signed-in browser); a Bearer request
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
import threading
import traceback
from collections import deque
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

from kpolicy.errors import MAX_ID, BadInput, Forbidden, KpolicyError, SignInFailed
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
SESSION_COOKIE = "kpolicy_session"
SIGNIN_LIMIT = 5  # wrong tokens from one address ...
SIGNIN_WINDOW = 60.0  # ... in this many seconds, then 429 until the window has passed
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
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


class SignInLimiter:
    """Wrong tokens per client address: SIGNIN_LIMIT in SIGNIN_WINDOW seconds, then refused (429).

    In memory, per server process; reaching the limit is logged once per burst."""

    def __init__(self, limit: int = SIGNIN_LIMIT, window: float = SIGNIN_WINDOW):
        self.limit, self.window = limit, window
        self.failures: dict[str, deque] = {}
        self.lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque:
        times = self.failures.setdefault(address, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def wait(self, address: str) -> int:
        """Seconds this address must still wait (0: it may try)."""
        now = time.monotonic()
        with self.lock:
            times = self._recent(address, now)
            if len(times) < self.limit:
                return 0
            return max(1, int(self.window - (now - times[0]) + 0.999))

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self.lock:
            times = self._recent(address, now)
            times.append(now)
            if len(times) == self.limit:
                log.warning("sign-in rate limit reached for %s: %d wrong tokens in %d s; refusing its sign-ins for %d s",
                            address, self.limit, int(self.window), int(self.window))
            if len(self.failures) > 10_000:  # a flood of addresses: forget the quiet ones
                for key in [k for k, v in self.failures.items() if not v][:5_000]:
                    del self.failures[key]


class TooManyTries(SignInFailed):
    """Rate-limited: too many wrong tokens from this address (429)."""


@dataclass
class Desk:
    """What every handler needs: the database, how people sign in, the mode, the templates.

    `team`: people sign in with their own tokens (kpolicy.store.users); otherwise the one
    server `token`, whose holder is recorded as `user`."""

    database: object
    token: str | None
    read_only: bool = False
    user: str | None = None  # the single-token mode's person (--by, KPOLICY_USER, OS user)
    allowed_hosts: frozenset[str] = LOOPBACK_NAMES  # what the Host header may name (lower case, no port)
    team: bool = False
    session_hours: float = 12.0
    env: Environment = field(init=False)
    limiter: SignInLimiter = field(init=False)

    def __post_init__(self):
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True, default_for_string=True))
        from kpolicy.dates import humanize

        self.env.filters["human"] = humanize
        from kpolicy.records import link_url

        self.env.tests["link_url"] = link_url  # only http(s) and mailto become links; a stored javascript: stays text
        self.env.globals["qs"] = qs
        self.limiter = SignInLimiter()
        self._bearer_cache: dict[str, tuple[int, str]] = {}
        self._touched: dict[int, tuple[float, str]] = {}

    # -- who is asking -----------------------------------------------------------------------
    def client(self, request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def refuse_if_limited(self, request: Request) -> None:
        wait = self.limiter.wait(self.client(request))
        if wait:
            raise TooManyTries(f"too many wrong tokens from {self.client(request)}; wait {wait} s and try again (nothing was changed)")

    def wrong_token(self, request: Request, exc: SignInFailed) -> SignInFailed:
        self.limiter.failed(self.client(request))
        return exc

    def person(self, request: Request):
        """The signed-in Person, None for nobody; SignInFailed (with why) for a bad credential.
        Looked up once per request, from the database every time (so a disabled person stops at once)."""
        cache = request.scope.setdefault("kpolicy", {})
        if "person" in cache:
            if isinstance(cache["person"], Exception):
                raise cache["person"]
            return cache["person"]
        try:
            found = self._find_person(request)
        except SignInFailed as exc:
            cache["person"] = exc
            raise
        cache["person"] = found
        return found

    def _find_person(self, request: Request):
        from kpolicy.store import users

        header = request.headers.get("authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        if not self.team:
            if bearer is not None:
                if same_secret(bearer, self.token):
                    return self.single_person()
                self.refuse_if_limited(request)
                raise self.wrong_token(request, SignInFailed("wrong token in the Authorization header; use the one kpolicy serve printed"))
            return self.single_person() if self.signed_in_single(request) else None
        if bearer is not None:
            self.refuse_if_limited(request)
            return self._bearer_person(request, bearer)
        key = request.cookies.get(SESSION_COOKIE)
        if not key:
            return None
        with self.database.reading() as conn:
            return users.session_person(conn, key)

    def _bearer_person(self, request: Request, token: str):
        """A Bearer token: Argon2 once, then (while the stored hash is unchanged) a row read per request."""
        from kpolicy.store import users

        digest = hashlib.sha256(token.encode()).hexdigest()
        with self.database.reading() as conn:
            cached = self._bearer_cache.get(digest)
            if cached is not None:
                import sqlalchemy as sa

                from kpolicy.store import schema

                u = schema.users
                row = conn.execute(sa.select(u.c.name, u.c.role, u.c.token_hash, u.c.disabled_at).where(u.c.id == cached[0])).first()
                if row is not None and row.token_hash == cached[1] and row.disabled_at is None:
                    return users.Person(cached[0], row.name, row.role)
                self._bearer_cache.pop(digest, None)
            try:
                person = users.check_token(conn, token)
            except SignInFailed as exc:
                raise self.wrong_token(request, exc) from None
            import sqlalchemy as sa

            from kpolicy.store import schema

            u = schema.users
            stored = conn.execute(sa.select(u.c.token_hash).where(u.c.id == person.id)).scalar_one()
        if len(self._bearer_cache) > 1000:
            self._bearer_cache.clear()
        self._bearer_cache[digest] = (person.id, stored)
        return person

    def single_person(self):
        from kpolicy.store.users import Person
        from kpolicy.store.write import current_user

        return Person(None, current_user(self.user), "admin")

    def signed_in_single(self, request: Request) -> bool:
        return bool(request.cookies.get(COOKIE)) and same_secret(request.cookies.get(COOKIE, ""), self.token)

    def signed_in(self, request: Request) -> bool:
        try:
            return self.person(request) is not None
        except SignInFailed:
            return False

    def is_bearer(self, request: Request) -> bool:
        return request.headers.get("authorization", "").lower().startswith("bearer ")

    def csrf_token(self, request: Request) -> str:
        secret = request.cookies.get(SESSION_COOKIE, "") if self.team else self.token
        return hmac.new(secret.encode(), b"kpolicy-csrf", hashlib.sha256).hexdigest()

    def touch(self, request: Request, person) -> None:
        """Remember what a session is looking at (at most once a minute, or when the page changes);
        best effort: a busy database skips it."""
        if person is None or person.session_id is None or self.read_only_store():
            return
        page = request.url.path.removesuffix(".json")
        last = self._touched.get(person.session_id)
        now = time.monotonic()
        if last is not None and last[1] == page and now - last[0] < 60:
            return
        self._touched[person.session_id] = (now, page)
        from kpolicy.store import users

        try:
            with self.database.bookkeeping() as conn:
                users.touch_session(conn, person.session_id, page)
        except Exception as exc:  # noqa: BLE001 - presence is a courtesy; the page is served regardless
            log.info("could not record what session %s is on: %s", person.session_id, exc)

    def read_only_store(self) -> bool:
        return bool(getattr(self.database, "read_only", None))

    def render(self, request: Request, template: str, context: dict, status: int = 200) -> HTMLResponse:
        try:
            person = self.person(request)
        except SignInFailed:
            person = None
        signed_in = person is not None
        page = self.env.get_template(template).render(
            **context,
            request=request,
            path=request.url.path,
            read_only=self.read_only,
            team=self.team,
            person=person,
            signed_in=signed_in,
            can_write=signed_in and not self.read_only and person.may("reviewer"),
            can_admin=signed_in and not self.read_only and person.may("admin"),
            csrf=self.csrf_token(request) if signed_in else "",
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


STATUS_OF = {"NotFound": 404, "Conflict": 409, "SignInFailed": 401, "TooManyTries": 429, "Forbidden": 403}


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
    if status in (401, 429):
        return signin_page(request, str(exc), status)
    titles = {404: "Not found", 400: "Bad input", 500: "Failure", 403: "Not allowed"}
    return error_response(request, status, titles.get(status, "Error"), str(exc))


def signin_page(request: Request, message: str | None, status: int = 200) -> Response:
    """The sign-in form (or, for a JSON client, the reason as JSON), keeping where the person was going."""
    desk: Desk = request.app.state.desk
    if wants_json(request) or desk.is_bearer(request):
        return json_response({"error": message or "sign in first", "status": status}, status)
    target = request.query_params.get("next") or (request.url.path + (("?" + request.url.query) if request.url.query else ""))
    if target.startswith("/signin"):
        target = "/"
    response = desk.render(request, "signin.html", {"title": "Sign in", "message": message, "next": target}, status)
    if request.cookies.get(SESSION_COOKIE) and status == 401:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


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
            wait = self.desk.limiter.wait(self.desk.client(request))
            if self.desk.team:
                response = RedirectResponse("/signin", status_code=303)  # people sign in with their own tokens
            elif wait:
                response = HTMLResponse(f"<!doctype html><title>Too many tries</title><p>Too many wrong tokens from this address: wait {wait} s.</p>", status_code=429)
            elif same_secret(given, self.desk.token):
                response = RedirectResponse(target, status_code=303)
                response.set_cookie(COOKIE, self.desk.token, httponly=True, samesite="strict", path="/")
            else:
                self.desk.limiter.failed(self.desk.client(request))
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
