"""The write side: each POST route checks the safety rules, parses its form and calls
kpolicy.curate inside one Database.writing() transaction (one change, its revisions).

Order of checks, before any database work: read-only (403), who is signed in (401: a
session cookie, the single-token cookie or Bearer; a wrong token counts towards the
sign-in rate limit), the person's role (403: a reader changes nothing; removing a source
needs an admin), a cross-site Origin (403), the CSRF token for a cookie-signed request
(403). Every change is recorded under the signed-in person (no form field names anyone).
A form made from an older version of the event than the stored one is refused with the
conflict page (409), inside the same transaction as the write, so nothing is overwritten.
Success: 303 back to the page the form came from with a one-line notice; a client that
asks for JSON (Accept: application/json) gets {"ok": true, ...}.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from kpolicy.errors import BadInput, check_id
from kpolicy.store import schema
from kpolicy.errors import SignInFailed
from kpolicy.web.app import Conflict, Desk, NotFound, error_response, json_response, same_secret, signin_page, wants_json
from kpolicy.web.forms import FORM_FIELDS, parse_actors, refill_target, safe_next, unknown_names

MAX_FORM_BYTES = 1_000_000


def _reason(form, required: bool = True) -> str | None:
    reason = (form.get("reason") or "").strip()
    if required and not reason:
        raise BadInput("a reason is required for this change; say why in the reason field")
    return reason or None


def _ids(text: str, what: str) -> list[int]:
    out = []
    for piece in (text or "").replace(",", " ").replace("#", " ").split():
        try:
            out.append(check_id(piece))
        except BadInput as exc:
            raise BadInput(f"{what}: {exc}") from None
    if not out:
        raise BadInput(f"{what}: give at least one event id")
    return out


def check_version(conn, event_id: int, form) -> None:
    """Refuse a stale form: the version it was made from must be the stored one (same transaction)."""
    raw = form.get("version")
    if raw is None or raw == "":
        return
    if not (str(raw).isascii() and str(raw).isdigit() and len(str(raw)) <= 12):
        raise BadInput(f"version {str(raw)[:40]!r} is not a number; reload the page and try again")
    expected = int(raw)
    e = schema.events
    import sqlalchemy as sa

    row = conn.execute(sa.select(e.c.version, e.c.deleted_at, e.c.merged_into).where(e.c.id == event_id)).first()
    if row is None:
        raise NotFound(f"no event with id {event_id}")
    if row.version != expected:
        raise Conflict(
            f"event #{event_id} changed since this form was made (you saw version {expected}, it is now version {row.version}); "
            "nothing was written: reload the event, check what changed in its history, and redo your change if it still applies",
            event_id, expected, row.version)


class FormErrors(BadInput):
    """Bad values in the edit or add form, by field (`_form`: the form as a whole): the desk shows
    the form again with the values typed and each message beside its field (400), not an error page.
    `unknown`: the actor and place names the authority file does not know, which the re-shown form
    offers to create ({"actors": [names], "place": name or None})."""

    def __init__(self, errors: dict[str, str], unknown: dict | None = None):
        super().__init__("; ".join(f"{k}: {v}" if k != "_form" else v for k, v in errors.items()))
        self.errors = errors
        self.unknown = unknown or {"actors": [], "place": None}


def field_errors(conn, form, names: tuple[str, ...], required: dict[str, str] | None = None) -> dict[str, str]:
    """Each field's own check (kpolicy.curate's validators, the ones the write runs), so that an
    error can be put beside the field it belongs to; an empty value is only checked for being required."""
    from kpolicy.curate import common

    errors: dict[str, str] = {}
    for name in names:
        value = (form.get(name) or "").strip()
        if not value:
            if required and name in required:
                errors[name] = required[name]
            continue
        try:
            if name == "actors":
                common.resolve_actors(conn, parse_actors(value))
            elif name != "quote":
                common.check_value(conn, name, value)
        except BadInput as exc:
            errors[name] = str(exc)
    return errors


def _curate():
    try:
        from kpolicy import curate
    except ImportError:  # pragma: no cover - until kpolicy.curate lands
        raise BadInput("curation is not available in this build of kpolicy (kpolicy.curate is missing)") from None
    return curate


# ---- the actions: (conn, request, form, by) -> (redirect path, notice, JSON extra) -----------------

def review_event(conn, request, form, by):
    event_id = request.path_params["id"]
    decision = form.get("decision")
    if decision not in ("accept", "reject"):
        raise BadInput("decision must be accept or reject")
    check_version(conn, event_id, form)
    _curate().review_events(conn, [event_id], decision, reason=_reason(form, decision == "reject"), by=by)
    return None, f"#{event_id} {decision}ed", {"event": event_id, "decision": decision}


EDIT_FIELDS = ("type", "date", "title", "status", "place")


def edit_event(conn, request, form, by):
    event_id = request.path_params["id"]
    check_version(conn, event_id, form)
    errors = field_errors(conn, form, (*EDIT_FIELDS, "actors"))
    if not (form.get("reason") or "").strip():
        errors["reason"] = "a reason is required for this change; say why"
    if errors:
        raise FormErrors(errors, unknown_names(conn, form))
    from kpolicy.web.reads import actor_roles, event_detail

    current = event_detail(conn, event_id)
    changes = {}
    for name in EDIT_FIELDS:
        if name not in form:
            continue
        value = (form.get(name) or "").strip()
        old = current.get(name) or ""
        if value != old:
            changes[name] = value or None
    if "actors" in form:
        wanted = parse_actors(form.get("actors"))
        have = [(a["name"], a["role"]) for a in actor_roles(conn, event_id)]
        if sorted(wanted) != sorted(have):
            changes["actors"] = wanted
    accept = form.get("accept") == "1"  # "Save and accept": one change, one undo takes back both (`edit --accept`)
    if not changes:
        raise BadInput("nothing to change: every field is as stored" + ("; to accept it as it is, use Accept" if accept else ""))
    version = int(form["version"]) if form.get("version") else None  # check_version read it already
    new_version = _curate().edit_event(conn, event_id, changes, reason=_reason(form), by=by, if_version=version, accept=accept)
    notice = f"#{event_id} edited ({', '.join(changes)})" + (" and accepted" if accept else "")
    return None, notice, {"event": event_id, "changed": list(changes), "version": new_version, "accepted": accept}


def merge_events(conn, request, form, by):
    keep = request.path_params["id"]
    others = _ids(form.get("others"), "merge")
    check_version(conn, keep, form)
    _curate().merge_events(conn, keep, others, reason=_reason(form), by=by)
    return f"/events/{keep}", f"merged {', '.join('#' + str(o) for o in others)} into #{keep}", {"event": keep, "merged": others}


def split_event(conn, request, form, by):
    event_id = request.path_params["id"]
    mentions = [check_id(m, "mention") for m in form.getlist("mention")]
    if not mentions:
        raise BadInput("split: tick the mentions that are a different event")
    check_version(conn, event_id, form)
    new_id = _curate().split_event(conn, event_id, mentions, reason=_reason(form), by=by)
    return f"/events/{new_id}", f"split #{new_id} off #{event_id}", {"event": event_id, "new": new_id}


def delete_event(conn, request, form, by):
    event_id = request.path_params["id"]
    check_version(conn, event_id, form)
    _curate().delete_events(conn, [event_id], reason=_reason(form), by=by)
    return f"/events/{event_id}", f"#{event_id} deleted", {"event": event_id}


def resolve_proposal(conn, request, form, by):
    proposal_id = request.path_params["id"]
    accept = form.get("decision") == "accept"
    kind = (form.get("kind") or "").strip() or None if accept else None  # an unknown actor's kind, when it is created
    _curate().resolve_proposal(conn, proposal_id, accept, reason=_reason(form, False), by=by, kind=kind)
    return None, f"proposal {proposal_id} {'accepted' if accept else 'dismissed'}", {"proposal": proposal_id, "accepted": accept}


def undo_change(conn, request, form, by):
    change_id = request.path_params["id"]
    person = getattr(request.state, "person", None)
    if person is not None and not person.may("admin") and _curate().touches_people(conn, change_id):
        from kpolicy.errors import Forbidden

        raise Forbidden(f"change {change_id} changed a person's role or access; only an admin may undo it "
                        f"({person.name} is a {person.role}); nothing was changed")
    _curate().undo_change(conn, change_id, reason=_reason(form), by=by)
    return "/history", f"change {change_id} undone", {"undone": change_id}


def remove_source(conn, request, form, by):
    slug = request.path_params["slug"]
    _curate().remove_source(conn, slug, reason=_reason(form), by=by)
    return "/sources", f"source {slug} removed", {"source": slug}


def edit_source(conn, request, form, by):
    slug = request.path_params["slug"]
    values = {k: (form.get(k) or "").strip() or None for k in ("published", "title", "url", "publisher")}
    errors = {}
    if values["published"]:
        from kpolicy.extract.publication import parse_published

        if parse_published(values["published"], "sources edit") is None:
            errors["published"] = f"{values['published'][:40]!r} is not a YYYY-MM-DD date (or YYYY-MM when only the month is known), e.g. 2020-02-05"
    if values["url"]:
        from kpolicy.records import check_source_url

        try:
            check_source_url(values["url"], "the url")
        except BadInput as exc:
            errors["url"] = str(exc)
    if "title" in form and not values["title"]:
        errors["title"] = "the title is empty; give the source's title"
    if not (form.get("reason") or "").strip():
        errors["reason"] = "a reason is required for this change; say why"
    if errors:
        raise FormErrors(errors)
    if not any(values.values()):
        raise BadInput("nothing to change: fill in the publication date, title, URL or publisher")
    _curate().edit_source(conn, slug, **values, reason=_reason(form), by=by)
    return f"/sources/{slug}", f"source {slug} corrected", {"source": slug}


def add_event(conn, request, form, by):
    slug = request.path_params["slug"]
    quote = form.get("quote") or ""
    errors = field_errors(conn, form, ("quote", "type", "date", "status", "place", "title", "actors"), required={
        "quote": "select the passage in the text (or paste it) into the quote field",
        "type": "choose the event's type: the add form has no default type",
        "title": "give the event a title"})
    if quote.strip() and "quote" not in errors:
        from kpolicy.web.reads import source_text

        if _curate().locate_quote(source_text(conn, slug), quote)[0] < 0:
            errors["quote"] = "this passage is not in the text of the source; select it in the text above, or paste an exact sentence"
    if errors:
        raise FormErrors(errors, unknown_names(conn, form))
    new_id = _curate().add_event(
        conn, type=(form.get("type") or "").strip(), date=(form.get("date") or "").strip() or None,
        title=(form.get("title") or "").strip(), actors=parse_actors(form.get("actors")),
        status=(form.get("status") or "occurred").strip(), place=(form.get("place") or "").strip() or None,
        source=slug, quote=quote, note=None, by=by, reason=_reason(form, False))
    return f"/events/{new_id}", f"#{new_id} added from {slug}", {"event": new_id}


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").replace("\n", ";").split(";") if n.strip()]


def new_actor(conn, request, form, by):
    """An actor the authority file lacks, from the desk (the form an unknown name in an edit or add
    form offers): one change in the history, undone like any other; then the edit is sent again."""
    from kpolicy.curate import authority

    name = form.get("name") or ""
    kind = (form.get("kind") or "").strip()
    if not kind:
        raise BadInput("choose the new actor's kind")
    fields = {k: (form.get(k) or "").strip() for k in ("parent", "wikidata", "native")}
    change, actor_id = authority.add_actor(conn, name, kind=kind, aliases=_names(form.get("aliases")), by=by,
                                           reason=_reason(form, False), **{k: v for k, v in fields.items() if v})
    notice = f"actor {name.strip()} added (change {change}; undo it in the history); send your edit again"
    return refill_target(form), notice, {"actor": actor_id, "change": change}


def new_place(conn, request, form, by):
    """A place the authority file lacks, from the desk: like new_actor, with its coordinates."""
    from kpolicy.curate import authority

    name = form.get("name") or ""
    fields = {k: (form.get(k) or "").strip() for k in ("country", "lat", "lon", "wikidata")}
    if not fields["lat"] or not fields["lon"]:
        raise BadInput("give the new place's latitude and longitude (decimal degrees)")
    change, place_id = authority.add_place(conn, name, aliases=_names(form.get("aliases")), by=by,
                                           reason=_reason(form, False), **{k: v for k, v in fields.items() if v})
    notice = f"place {name.strip()} added (change {change}; undo it in the history); send your edit again"
    return refill_target(form), notice, {"place": place_id, "change": change}


# ---- stories ------------------------------------------------------------------------------------------

def _stories():
    from kpolicy.curate import stories

    return stories


def _story_version(form) -> int | None:
    raw = form.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        raise BadInput(f"version {raw!r} is not a number") from None


def _story_path(slug: str, focus=None) -> str:
    return f"/stories/{slug}" + (f"?focus={focus}" if focus is not None else "")


def new_story(conn, request, form, by):
    slug = (form.get("slug") or "").strip()
    _stories().new_story(conn, slug, form.get("title"), author=(form.get("author") or "").strip() or None, by=by,
                         reason=_reason(form, False))
    return _story_path(slug), f"story {slug} started", {"story": slug}


BLOCK_KINDS = ("heading", "text", "event", "query")


def add_block(conn, request, form, by):
    slug = request.path_params["slug"]
    kind = form.get("kind")
    if kind not in BLOCK_KINDS:
        raise BadInput(f"kind must be one of {', '.join(BLOCK_KINDS)}")
    value = form.get("value") or ""
    after = (form.get("after") or "").strip() or None
    n = _stories().add_block(conn, slug, kind, value.strip() if kind == "event" else value, after=after, by=by,
                             reason=_reason(form, False), if_version=_story_version(form))
    return _story_path(slug, n), f"{kind} added as block {n}", {"story": slug, "block": n}


def add_to_story(conn, request, form, by):
    slug = (form.get("story") or "").strip()
    if not slug:
        raise BadInput("choose the story to add to")
    ids = _ids(" ".join(form.getlist("event")), "add to story")
    blocks = _stories().add_events(conn, slug, ids, by=by, reason=_reason(form, False))
    what = ", ".join(f"#{i}" for i in ids)
    return None, f"added {what} to story {slug} (blocks {blocks[0]}–{blocks[-1]})", {"story": slug, "blocks": blocks}


def move_block(conn, request, form, by):
    slug, n = request.path_params["slug"], request.path_params["id"]
    to = form.get("to")
    new = _stories().move_block(conn, slug, n, to=to, by=by, reason=_reason(form, False), if_version=_story_version(form))
    return _story_path(slug, new), f"block {n} moved to {new}", {"story": slug, "block": new}


def remove_block(conn, request, form, by):
    slug, n = request.path_params["slug"], request.path_params["id"]
    _stories().remove_block(conn, slug, n, by=by, reason=_reason(form, False), if_version=_story_version(form))
    return _story_path(slug), f"block {n} removed (undo it from the history)", {"story": slug, "removed": n}


def edit_block(conn, request, form, by):
    slug, n = request.path_params["slug"], request.path_params["id"]
    _stories().edit_block(conn, slug, n, form.get("value") or "", by=by, reason=_reason(form, False),
                          if_version=_story_version(form))
    return _story_path(slug, n), f"block {n} rewritten", {"story": slug, "block": n}


def freeze_story(conn, request, form, by):
    slug = request.path_params["slug"]
    unfreeze = form.get("unfreeze") == "1"
    as_of = None if unfreeze else ((form.get("as_of") or "").strip() or "latest")
    _stories().edit_story(conn, slug, as_of=as_of, unfreeze=unfreeze, by=by, reason=_reason(form, False),
                          if_version=_story_version(form))
    return _story_path(slug), f"story {slug} {'unfrozen' if unfreeze else 'frozen'}", {"story": slug}


ACTIONS = (  # path, action, the least role that may do it
    ("/events/{id:id}/review", review_event, "reviewer"),
    ("/events/{id:id}/edit", edit_event, "reviewer"),
    ("/events/{id:id}/merge", merge_events, "reviewer"),
    ("/events/{id:id}/split", split_event, "reviewer"),
    ("/events/{id:id}/delete", delete_event, "reviewer"),
    ("/proposals/{id:id}/resolve", resolve_proposal, "reviewer"),
    ("/actors/new", new_actor, "reviewer"),
    ("/places/new", new_place, "reviewer"),
    ("/changes/{id:id}/undo", undo_change, "reviewer"),
    ("/sources/{slug}/remove", remove_source, "admin"),
    ("/sources/{slug}/edit", edit_source, "reviewer"),
    ("/sources/{slug}/add", add_event, "reviewer"),
    ("/stories/new", new_story, "reviewer"),
    ("/stories/add-events", add_to_story, "reviewer"),
    ("/stories/{slug}/add", add_block, "reviewer"),
    ("/stories/{slug}/blocks/{id:id}/move", move_block, "reviewer"),
    ("/stories/{slug}/blocks/{id:id}/remove", remove_block, "reviewer"),
    ("/stories/{slug}/blocks/{id:id}/edit", edit_block, "reviewer"),
    ("/stories/{slug}/freeze", freeze_story, "reviewer"),
)


def _with_notice(path: str, notice: str) -> str:
    parts = urlsplit(path)
    query = [p for p in parts.query.split("&") if p and not p.startswith("done=")]
    query.append(urlencode({"done": notice}))
    return parts.path + "?" + "&".join(query)


def origin_ok(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True
    host = request.headers.get("host", "")
    return urlsplit(origin).netloc == host


def _endpoint(desk: Desk, fn, role: str):
    async def endpoint(request: Request) -> Response:
        if desk.read_only:
            return error_response(request, 403, "Read-only", "this server was started with --read-only: it shows the timeline but refuses every change")
        try:
            person = await run_in_threadpool(desk.person, request)
        except SignInFailed as exc:
            return signin_page(request, str(exc) + " (nothing was changed)", 429 if type(exc).__name__ == "TooManyTries" else 401)
        if person is None:
            if desk.team:
                return signin_page(request, "sign in with your own token to make changes (nothing was changed)", 401)
            return error_response(request, 401, "Sign in first", "changes need the token kpolicy serve printed: open the URL it printed (it sets a cookie), or send Authorization: Bearer TOKEN")
        if not person.may(role):
            what = "remove sources" if role == "admin" else "change anything"
            return error_response(request, 403, "Not allowed", f"{person.name} is a {person.role}: a {person.role} cannot {what} "
                                  f"(needs the {role} role; an admin can give it with `kpolicy users role {person.name} {role}`); nothing was changed")
        bearer = desk.is_bearer(request)
        if not origin_ok(request):
            return error_response(request, 403, "Cross-site request", "this form was sent from another site; nothing was written")
        if int(request.headers.get("content-length") or 0) > MAX_FORM_BYTES:
            return error_response(request, 413, "Too large", "the form is too large")
        form = await request.form()
        files = [key for key, value in form.multi_items() if not isinstance(value, str)]
        if files:
            await form.close()
            return error_response(request, 400, "Bad input", f"the form sends a file in the field {files[0]!r}; "
                                  "these forms take text only: type or paste the value")
        if not bearer and not same_secret(str(form.get("csrf") or ""), desk.csrf_token(request)):
            return error_response(request, 403, "Stale or forged form", "the form's CSRF token is missing or wrong; reload the page and try again (nothing was written)")
        by = person.name
        request.state.person = person

        def run():
            with desk.database.writing() as conn:
                return fn(conn, request, form, by)

        try:
            target, notice, extra = await run_in_threadpool(run)
        except BadInput as exc:
            from kpolicy.web.app import status_for

            if fn not in FORM_PAGES or wants_json(request) or status_for(exc) != 400:
                raise
            # the transaction has rolled back: show the form again, as typed, with the errors beside the fields
            return await run_in_threadpool(reshow_form, desk, request, fn, form, exc)
        if wants_json(request):
            return json_response({"ok": True, "notice": notice, "by": by, **extra})
        fallback = target or "/"
        return RedirectResponse(_with_notice(safe_next(form.get("next"), fallback) if target is None else target, notice), status_code=303)

    endpoint.__name__ = fn.__name__
    return endpoint


FORM_PAGES = {edit_event: ("edit", "event.html"), add_event: ("add", "source.html"), edit_source: ("source", "source.html")}


def reshow_form(desk: Desk, request: Request, fn, form, exc: BadInput) -> Response:
    """The page the form is on (the event's, the source's), its form filled with what was typed and
    each error beside its field; 400. A message that names no field goes above the form."""
    from kpolicy.web import pages
    from kpolicy.web.live import latest_change

    kind, template = FORM_PAGES[fn]
    errors = exc.errors if isinstance(exc, FormErrors) else {"_form": str(exc)}
    values = {k: str(form.get(k)) for k in FORM_FIELDS if form.get(k) is not None}
    values["next"] = safe_next(values.get("next"), "")
    with desk.database.reading() as conn:
        data = (pages.event if template == "event.html" else pages.source)(request, conn)
        data["_change_now"] = latest_change(conn)
    unknown = exc.unknown if isinstance(exc, FormErrors) else {"actors": [], "place": None}
    context = {**{k.lstrip("_"): v for k, v in data.items()}, "data": data,
               "form_state": {"kind": kind, "typed": values, "errors": errors, "unknown": unknown}}
    return desk.render(request, template, context, status=400)


def routes(desk: Desk) -> list[Route]:
    return [Route(path, _endpoint(desk, fn, role), methods=["POST"]) for path, fn, role in ACTIONS]
