"""Signing in and out of the desk, and the admins' page of people (kpolicy.store.users).

- GET /signin: the form (one field: your token). POST /signin: checks the token (wrong
  ones count towards the per-address rate limit), starts a session, sets the HttpOnly
  `kpolicy_session` cookie (Secure when the request came over HTTPS, as behind a TLS
  proxy started with `kpolicy serve --proxy`), and goes back where the person was going.
- POST /signout (with the form's CSRF token): ends the session in the database, drops the
  cookie.
- GET /users (admins): every person, their role and state, and who is on the desk now.
In the single-token mode /signin takes the server's token and sets its cookie.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kpolicy.errors import SignInFailed
from kpolicy.web.app import COOKIE, SESSION_COOKIE, Desk, error_response, json_response, signin_page, wants_json

MAX_TOKEN = 200


def _next(value: str | None) -> str:
    from kpolicy.web.forms import safe_next

    target = safe_next(value, "/")
    return "/" if target.startswith(("/signin", "/signout")) else target


def signin_form(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    if desk.signed_in(request):
        return RedirectResponse(_next(request.query_params.get("next")), status_code=303)
    return signin_page(request, None)


async def signin(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    from kpolicy.web.actions import origin_ok

    if not origin_ok(request):
        return error_response(request, 403, "Cross-site request", "this sign-in was sent from another site; nothing was changed")
    if int(request.headers.get("content-length") or 0) > 10_000:
        return error_response(request, 413, "Too large", "the form is too large")
    form = await request.form()
    token = str(form.get("token") or "").strip()[:MAX_TOKEN]
    target = _next(form.get("next"))

    def check():
        desk.refuse_if_limited(request)
        if not token:
            raise SignInFailed("give your token (an admin makes one with `kpolicy users add NAME` or `users token NAME`)")
        if not desk.team:
            if not hmac.compare_digest(token, desk.token):
                raise desk.wrong_token(request, SignInFailed("wrong token; use the one kpolicy serve printed"))
            return None, desk.token
        from kpolicy.store import users

        with desk.database.reading() as conn:
            try:
                person = users.check_token(conn, token)
            except SignInFailed as exc:
                raise desk.wrong_token(request, exc) from None
        with desk.database.bookkeeping() as conn:
            return person, users.start_session(conn, person, desk.session_hours)

    try:
        person, key = await run_in_threadpool(check)
    except SignInFailed as exc:
        status = 429 if type(exc).__name__ == "TooManyTries" else 401
        request.scope.setdefault("kpolicy", {})["person"] = None
        return signin_page(request, str(exc), status)
    secure = request.url.scheme == "https"
    if wants_json(request):
        response = json_response({"ok": True, "name": person.name if person else None, "role": person.role if person else "admin"})
    else:
        response = RedirectResponse(target, status_code=303)
    if desk.team:
        response.set_cookie(SESSION_COOKIE, key, max_age=int(desk.session_hours * 3600), httponly=True, samesite="strict", path="/", secure=secure)
    else:
        response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/", secure=secure)
    return response


async def signout(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    form = await request.form()
    if not hmac.compare_digest(str(form.get("csrf") or ""), desk.csrf_token(request)):
        return error_response(request, 403, "Stale or forged form", "the form's CSRF token is missing or wrong; reload the page and try again")
    key = request.cookies.get(SESSION_COOKIE)
    if desk.team and key:
        from kpolicy.store import users

        def end():
            with desk.database.bookkeeping() as conn:
                users.end_session(conn, key)

        await run_in_threadpool(end)
    response = RedirectResponse("/signin?done=signed+out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(COOKIE, path="/")
    return response


def people(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    person = desk.person(request)
    if person is None:
        return signin_page(request, "sign in first", 401)
    if not person.may("admin"):
        return error_response(request, 403, "Not allowed", f"{person.name} is a {person.role}: only an admin sees the list of people")
    from kpolicy.store import users

    with desk.database.reading() as conn:
        data = {"users": users.list_users(conn) if desk.team else [], "working": users.who_is_working(conn)}
    if request.url.path.endswith(".json"):
        return json_response(data)
    return desk.render(request, "users.html", {"title": "People", **data})


def routes(desk: Desk) -> list[Route]:
    return [
        Route("/signin", signin_form, methods=["GET"]),
        Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/users.json", people, methods=["GET"]),
        Route("/users", people, methods=["GET"]),
    ]
