"""The read side: every page is a function of (request, connection) returning a dict; the
route renders it as HTML through its template, or as JSON at the same path + `.json`.

Handlers are plain `def`s: Starlette runs them in its thread pool, each on its own
connection from the database's pool.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kpolicy.errors import MAX_ID, BadInput
from kpolicy.query import EventQuery
from kpolicy.web import reads, svg
from kpolicy.web.app import Desk, json_response, signin_page

PAGE_SIZE = 100
MAX_PAGE = 500


def _int(request: Request, name: str, default: int | None = None, lo: int = 1, hi: int = MAX_PAGE) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadInput(f"{name}={raw!r} is not a whole number") from None
    if not lo <= value <= hi:
        raise BadInput(f"{name}={value} is out of range ({lo} to {hi})")
    return value


def _cursor(raw: str | None, parts: int, kinds: tuple) -> tuple | None:
    if not raw:
        return None
    pieces = raw.split(":")
    if len(pieces) != parts:
        raise BadInput(f"bad page cursor {raw!r}; follow the page's own links")
    try:
        return tuple(kind(p) for kind, p in zip(kinds, pieces))
    except ValueError:
        raise BadInput(f"bad page cursor {raw!r}; follow the page's own links") from None


def _cursor_text(cursor: tuple | None) -> str | None:
    return None if cursor is None else ":".join(str(c) for c in cursor)


def _date_text(value: str) -> str:
    from datetime import date

    date.fromisoformat(value)
    return value


FILTER_KEYS = ("from", "to", "on", "within", "actor", "type", "status", "place", "text", "source", "review")


def query_from(request: Request) -> tuple[EventQuery, dict]:
    """The CLI's filters from the URL (same names as the options: from, to, on, within, actor...)."""
    p = request.query_params
    params = {
        "from": p.get("from") or None, "to": p.get("to") or None, "on": p.get("on") or None,
        "within": "1" if p.get("within") in ("1", "on", "true", "yes") else None,
        "actor": [a for a in p.getlist("actor") if a.strip()], "type": [t for t in p.getlist("type") if t.strip()],
        "status": [s for s in p.getlist("status") if s.strip()], "place": [x for x in p.getlist("place") if x.strip()],
        "text": p.get("text") or None, "source": p.get("source") or None, "review": p.get("review") or None,
    }
    q = EventQuery(
        start=params["from"], end=params["to"], on=params["on"], within=bool(params["within"]),
        actors=params["actor"], types=params["type"], statuses=params["status"], places=params["place"],
        text=params["text"], source=params["source"], review=params["review"],
    )
    return q, params


# ---- pages -------------------------------------------------------------------------------------

def timeline(request: Request, conn) -> dict:
    q, params = query_from(request)
    size = _int(request, "size", PAGE_SIZE)
    lanes = request.query_params.get("lanes", "actor")
    if lanes not in ("actor", "type"):
        raise BadInput(f"lanes={lanes!r}: use actor or type")
    after = _cursor(request.query_params.get("after"), 2, (int, int))
    rows, more = reads.timeline_page(conn, q, after, size)
    return {
        "title": "Timeline",
        "filters": params,
        "lanes": lanes,
        "events": rows,
        "next": _cursor_text(more),
        "after": _cursor_text(after),
        "size": size,
        "_svg": svg.draw_both(rows, lanes),
        "_vocab": reads.vocab(conn),
    }


def event(request: Request, conn) -> dict | Response:
    event_id = request.path_params["id"]
    detail = reads.event_detail(conn, event_id)
    if detail.get("merged_into") and not request.url.path.endswith(".json"):
        return RedirectResponse(f"/events/{detail['merged_into']}?from_merged={event_id}", status_code=307)
    out = {"title": f"#{event_id} {detail['title']}", "event": detail, "_vocab": reads.vocab(conn),
           "from_merged": request.query_params.get("from_merged")}
    return {**out, **_refill(request, conn, "edit")}


def review(request: Request, conn) -> dict:
    size = _int(request, "size", 50)
    after = _cursor(request.query_params.get("after"), 3, (str, int, int))
    queue, more = reads.review_queue(conn, after, size)
    current_id = _int(request, "id", None, 1, MAX_ID)
    if current_id is None and queue:
        current_id = queue[0]["id"]
    current = reads.event_detail(conn, current_id) if current_id is not None else None
    ids = [r["id"] for r in queue]
    position = ids.index(current_id) if current_id in ids else None
    nxt = ids[position + 1] if position is not None and position + 1 < len(ids) else None
    prev = ids[position - 1] if position else None
    return {"title": "Review queue", "queue": queue, "next": _cursor_text(more), "after": _cursor_text(after),
            "current": current, "next_id": nxt, "prev_id": prev, "_vocab": reads.vocab(conn)}


def sources(request: Request, conn) -> dict:
    size = _int(request, "size", PAGE_SIZE)
    after = _cursor(request.query_params.get("after"), 2, (_date_text, int))
    rows, more = reads.sources_page(conn, after, size)
    return {"title": "Sources", "sources": rows, "next": _cursor_text(more), "after": _cursor_text(after)}


def source(request: Request, conn) -> dict:
    detail = reads.source_detail(conn, request.path_params["slug"])
    return {"title": detail["source"]["title"], **detail, "_vocab": reads.vocab(conn), **_refill(request, conn, "add")}


def _refill(request: Request, conn, kind: str) -> dict:
    """Back from creating an actor or place the form named (kpolicy.web.actions.refill_target):
    the page's `kind` form as the analyst had typed it."""
    from kpolicy.web.forms import refilled_form

    state = None if request.url.path.endswith(".json") else refilled_form(conn, request.query_params, kind)
    return {"_form_state": state} if state else {}


def history(request: Request, conn) -> dict:
    p = request.query_params
    event_id = _int(request, "event", None, 1, MAX_ID)
    by = p.get("by") or None

    def when(name):
        raw = p.get(name)
        if not raw:
            return None
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            raise BadInput(f"{name}={raw!r} is not a date or time; use e.g. 2026-12-01 or 2026-12-01T10:00") from None

    since, until = when("since"), when("until")
    before = _int(request, "before", None, 1, MAX_ID)
    rows, more = reads.history(conn, event_id=event_id, by=by, since=since, until=until, before=before, limit=_int(request, "size", PAGE_SIZE))
    return {"title": "History", "revisions": rows, "next": more,
            "filters": {"event": event_id, "by": by, "since": p.get("since"), "until": p.get("until")}}


def search(request: Request, conn) -> dict:
    from kpolicy.search import search as run_search

    q, params = query_from(request)
    words = request.query_params.get("q", "").strip()
    size = _int(request, "size", 50)
    rows = []
    if words:
        q.limit = size
        for row in run_search(conn, words, q):
            rows.append({k: reads.iso(v) for k, v in row.items()})
    return {"title": "Search", "q": words, "filters": params, "results": rows}


def stories(request: Request, conn) -> dict:
    from kpolicy.curate import stories as curate_stories

    return {"title": "Stories", "stories": [{k: reads.iso(v) for k, v in r.items()} for r in curate_stories.list_stories(conn)]}


def story(request: Request, conn) -> dict:
    """A story to read and edit: its blocks resolved (as of its freeze), warnings, footnotes."""
    from kpolicy.views import story as views

    doc = views.build(request.app.state.desk.database, request.path_params["slug"])
    data = views.to_json(doc)
    focus = request.query_params.get("focus")
    return {"title": doc.title, "story": data, "formats": list(views.EXPORTERS), "focus": focus, "_vocab": reads.vocab(conn)}


# ---- the JSON twins: the objects the CLI prints with --format json (docs/web.md has each schema) ------

def timeline_twin(request: Request, conn) -> dict:
    """{"events": [`kpolicy events --format json` objects of this page], "next": cursor or null}."""
    from kpolicy import query

    q, _ = query_from(request)
    rows, more = reads.timeline_page(conn, q, _cursor(request.query_params.get("after"), 2, (int, int)), _int(request, "size", PAGE_SIZE))
    return {"events": query.detailed(conn, rows), "next": _cursor_text(more)}


def event_twin(request: Request, conn) -> dict:
    """`kpolicy show ID --format json`: the event with mentions, proposals and history (or its tombstone)."""
    from kpolicy.curate import event_object

    return event_object(conn, request.path_params["id"])


def review_twin(request: Request, conn) -> dict:
    """{"queue": `kpolicy review --limit SIZE --after CURSOR --format json`, "next": the cursor
    of the page's last item when the queue may go on, else null}."""
    from kpolicy.curate import parse_review_cursor, review_queue

    size = _int(request, "size", 50)
    raw = request.query_params.get("after")
    queue = review_queue(conn, limit=size, after=parse_review_cursor(raw) if raw else None)
    return {"queue": [{k: reads.iso(v) for k, v in row.items()} for row in queue],
            "next": queue[-1]["cursor"] if len(queue) == size else None}


def sources_twin(request: Request, conn) -> dict:
    """{"sources": [`kpolicy sources --all --format json` rows of this page], "next": cursor or null}."""
    from kpolicy import query

    rows, more = reads.sources_page(conn, _cursor(request.query_params.get("after"), 2, (_date_text, int)), _int(request, "size", PAGE_SIZE))
    slugs = [r["slug"] for r in rows]
    by_slug = {r["slug"]: r for r in query.list_sources(conn, include_removed=True, slugs=slugs)} if slugs else {}
    return {"sources": [by_slug[x] for x in slugs if x in by_slug], "next": _cursor_text(more)}


def source_twin(request: Request, conn) -> dict:
    """The source's `kpolicy sources --all --format json` row, and `events`: `kpolicy events --source SLUG --format json`."""
    from kpolicy import query

    slug = request.path_params["slug"]
    found = query.list_sources(conn, include_removed=True, slugs=[slug])
    if not found:
        from kpolicy.web.app import NotFound

        raise NotFound(f"no source {slug!r}; /sources lists them")
    return {**found[0], "events": list(query.iter_detailed(conn, EventQuery(source=slug)))}


def history_twin(request: Request, conn) -> dict:
    """{"revisions": [`kpolicy history [EVENT] --since --by --format json` rows], "next": revision id or null}."""
    from kpolicy.curate import history as revisions

    p = request.query_params
    size = _int(request, "size", PAGE_SIZE)
    until = p.get("until") or None
    if until is not None:
        from kpolicy.curate import parse_when

        kind, until = parse_when(until, "until")
        if kind == "change":
            raise BadInput("until= takes a date or time (e.g. 2026-12-01T10:00), not a change number")
    rows = list(revisions(conn, _int(request, "event", None, 1, MAX_ID), since=p.get("since") or None, by=p.get("by") or None,
                          limit=size + 1, until=until, before=_int(request, "before", None, 1, MAX_ID)))
    more = rows[size - 1]["revision"] if len(rows) > size else None
    return {"revisions": rows[:size], "next": more}


def search_twin(request: Request, conn) -> dict:
    """{"q": words, "results": `kpolicy search WORDS --limit SIZE --format json`}."""
    data = search(request, conn)
    return {"q": data["q"], "results": data["results"]}


def stories_twin(request: Request, conn) -> dict:
    """{"stories": `kpolicy story list --format json`}."""
    return {"stories": stories(request, conn)["stories"]}


def story_twin(request: Request, conn) -> dict:
    """`kpolicy story show SLUG --format json`."""
    from kpolicy.views import story as views

    return views.to_json(views.build(request.app.state.desk.database, request.path_params["slug"]))


def remove_source(request: Request, conn) -> dict:
    """GET /sources/SLUG/remove: what removing the source would do, and the form that does it
    (POST to the same path: kpolicy.curate.remove_source, one change that `undo` takes back)."""
    preview = reads.removal_preview(conn, request.path_params["slug"])
    return {"title": f"Remove {preview['source']['slug']}?", **preview}


PAGES = (  # path, template, the page's context, its twin's path (None: path + .json), the twin
    ("/", "timeline.html", timeline, "/.json", timeline_twin),
    ("/events/{id:id}", "event.html", event, None, event_twin),
    ("/review", "review.html", review, None, review_twin),
    ("/sources", "sources.html", sources, None, sources_twin),
    ("/sources/{slug}", "source.html", source, None, source_twin),
    ("/history", "history.html", history, None, history_twin),
    ("/search", "search.html", search, None, search_twin),
    ("/stories", "stories.html", stories, None, stories_twin),
    ("/stories/{slug}", "story.html", story, None, story_twin),
)


def _endpoint(desk: Desk, template: str, fn, as_json: bool):
    def endpoint(request: Request) -> Response:
        person = desk.person(request)  # a bad credential raises SignInFailed: the sign-in page (401)
        if desk.team:
            if person is None:
                return signin_page(request, None, 401)
            desk.touch(request, person)
        with desk.database.reading() as conn:
            data = fn(request, conn)
            if not as_json and not isinstance(data, Response):  # the live view's starting point (kpolicy.web.live)
                from kpolicy.web.live import latest_change

                data["_change_now"] = latest_change(conn)
                if fn is history and desk.team:
                    from kpolicy.store.users import who_is_working

                    data["_working"] = who_is_working(conn)
        if isinstance(data, Response):
            return data
        if as_json:
            return json_response(data)
        return desk.render(request, template, {**{k.lstrip("_"): v for k, v in data.items()}, "data": data})

    endpoint.__name__ = fn.__name__ + ("_json" if as_json else "")
    return endpoint


def export_story(desk: Desk):
    """GET /stories/SLUG/export?format=md|html|docx...: the story's export as a download (md inline, as text)."""
    from starlette.concurrency import run_in_threadpool

    async def endpoint(request: Request) -> Response:
        from kpolicy.views import story as views

        fmt = request.query_params.get("format", "md")
        if fmt not in views.EXPORTERS:
            raise BadInput(f"format={fmt!r}: use one of {', '.join(views.EXPORTERS)}")
        slug = request.path_params["slug"]

        def run():
            return views.export(views.build(desk.database, slug), fmt)

        data = await run_in_threadpool(run)
        body = data if isinstance(data, bytes) else data.encode("utf-8")
        name = f"{slug}.{views.SUFFIXES[fmt]}"
        if fmt == "md":  # shown in the browser as text: it is read before it is sent on
            return Response(body, media_type="text/plain; charset=utf-8", headers={"content-disposition": f'inline; filename="{name}"'})
        return Response(body, media_type=views.MEDIA_TYPES[fmt], headers={"content-disposition": f'attachment; filename="{name}"'})

    return endpoint


def routes(desk: Desk) -> list[Route]:
    out = [Route("/stories/{slug}/export", export_story(desk), methods=["GET"])]
    for path, template, fn, json_path, twin in PAGES:
        out.append(Route(json_path or path + ".json", _endpoint(desk, template, twin, True), methods=["GET"]))
        if path == "/":
            out.append(Route("/index.json", _endpoint(desk, template, twin, True), methods=["GET"]))
    for path, template, fn, _, _twin in PAGES:
        out.append(Route(path, _endpoint(desk, template, fn, False), methods=["GET"]))
    out.append(Route("/sources/{slug}/remove", _endpoint(desk, "remove_source.html", remove_source, False), methods=["GET"]))
    return out
