"""The live view: two analysts on one database see each other's changes.

Every page carries the newest change number it was rendered at (`data-change` on the body)
and, on an event, that event's version. The desk's script polls `/live.json?since=N&event=E`
(every few seconds, and before a form is sent): the changes after N (who, what, which
events), whether event E changed, and who is on the desk now. The banner says so; the form
of an event that changed since the page was loaded is held back with a warning (and the
server still refuses a stale version with its 409 conflict page). Polling the change number
is one primary-key look-up, the same on SQLite and PostgreSQL, and works through any proxy.
"""

from __future__ import annotations

import sqlalchemy as sa
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kpolicy.errors import BadInput
from kpolicy.store import schema
from kpolicy.web.app import Desk, json_response, signin_page

MAX_LISTED = 20


def latest_change(conn) -> int:
    ch = schema.changes
    return conn.execute(sa.select(sa.func.coalesce(sa.func.max(ch.c.id), 0))).scalar_one()


def changes_since(conn, since: int, event_id: int | None = None) -> dict:
    """The changes after `since` (newest first, at most MAX_LISTED), and those that touched `event_id`."""
    ch, r = schema.changes, schema.revisions
    latest = latest_change(conn)
    out = {"change": latest, "changes": [], "event_changed": False, "event_changed_by": []}
    if latest <= since:
        return out
    rows = conn.execute(sa.select(ch.c.id, ch.c.at, ch.c.by, ch.c.action, ch.c.reason).where(ch.c.id > since)
                        .order_by(ch.c.id.desc()).limit(MAX_LISTED)).all()
    out["changes"] = [{"change": x.id, "at": x.at.isoformat(sep=" "), "by": x.by, "action": x.action, "reason": x.reason} for x in rows]
    if event_id is not None:
        touched = conn.execute(sa.select(ch.c.by).distinct().join(r, r.c.change_id == ch.c.id)
                               .where(r.c.event_id == event_id, r.c.change_id > since)).scalars().all()
        out["event_changed"] = bool(touched)
        out["event_changed_by"] = sorted(touched)
    return out


def _number(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise BadInput(f"{name}={raw[:40]!r} is not a change or event number")
    return int(raw)


def live(request: Request) -> Response:
    desk: Desk = request.app.state.desk
    person = desk.person(request)
    if desk.team and person is None:
        return signin_page(request, "sign in first", 401)
    since = _number(request, "since") or 0
    event_id = _number(request, "event")
    from kpolicy.store import users

    with desk.database.reading() as conn:
        data = changes_since(conn, since, event_id)
        data["working"] = users.who_is_working(conn) if desk.team else []
    return json_response(data)


def routes(desk: Desk) -> list[Route]:
    return [Route("/live.json", live, methods=["GET"])]
