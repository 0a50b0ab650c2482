"""The application: the safety machinery of kpolicy.web.app around the pages and the actions."""

from __future__ import annotations

import secrets

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kpolicy.errors import KpolicyError
from kpolicy.web import actions, live, pages, people
from kpolicy.web.app import HERE, LOOPBACK_NAMES, Desk, SecurityHeaders, handle_http, handle_kpolicy_error


def create_app(database, token: str | None = None, read_only: bool = False, user: str | None = None,
               allowed_hosts=None, team: bool | None = None, session_hours: float = 12.0) -> Starlette:
    """The review desk on an opened kpolicy Database.

    `team`: people sign in with their own tokens (kpolicy.store.users); None: when a `token`
    is given, the single-token mode, else the people mode once anyone has been added.
    `token`: the single-token mode's write token (random if None).
    `allowed_hosts`: the names and addresses the Host header may give (default: this machine's
    loopback names, 127.0.0.1, localhost and ::1); any other Host is refused with 400."""
    if team is None:
        team = False
        if token is None:
            from kpolicy.store import users

            with database.reading() as conn:
                team = users.any_users(conn)
    hosts = LOOPBACK_NAMES if allowed_hosts is None else frozenset(h.strip().lower().strip("[]") for h in allowed_hosts if h.strip())
    desk = Desk(database, None if team else (token or secrets.token_urlsafe(24)), read_only, user, hosts, team, session_hours)
    routes = [
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        Route("/favicon.ico", lambda request: RedirectResponse("/static/favicon.svg", status_code=301)),
    ]
    routes += people.routes(desk)
    routes += live.routes(desk)
    routes += pages.routes(desk)
    routes += actions.routes(desk)
    app = Starlette(
        debug=False,
        routes=routes,
        exception_handlers={KpolicyError: handle_kpolicy_error, HTTPException: handle_http},
        middleware=[Middleware(SecurityHeaders, desk=desk)],
    )
    app.state.desk = desk
    return app
