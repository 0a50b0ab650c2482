"""What the desk's forms and pages share: parsing the actors field, the names a form uses that
the authority file lacks, safe redirect targets, and refilling a form the analyst left to create
an actor or a place. kpolicy.web.actions (the writes) and kpolicy.web.pages (the reads) both use
it, so neither imports the other."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from kpolicy.errors import BadInput

# the fields a form re-shown or refilled keeps as typed
FORM_FIELDS = ("type", "date", "title", "status", "place", "actors", "quote", "reason", "version", "next", "published", "url", "publisher")


def parse_actors(text: str) -> list[tuple[str, str]]:
    """'North Korea:initiator; United States:target' (one per line or ';'-separated) -> pairs."""
    from kpolicy.vocabulary import ROLES

    out = []
    for piece in (text or "").replace("\n", ";").split(";"):
        piece = piece.strip()
        if not piece:
            continue
        name, _, role = piece.rpartition(":") if ":" in piece else (piece, "", "participant")
        name, role = name.strip(), (role.strip() or "participant").lower()
        if role not in ROLES:
            raise BadInput(f"actor {piece!r}: role {role!r} is not one of {', '.join(ROLES)}")
        out.append((name, role))
    return out


def unknown_names(conn, form) -> dict:
    """The names in the form's actors and place fields that no actor or place has (not an ambiguous
    surname, not a bad role): what the desk offers to create."""
    from kpolicy.curate import common

    actors = []
    try:
        pairs = parse_actors(form.get("actors") or "")
    except BadInput:
        pairs = []
    for name, role in pairs:
        try:
            common.resolve_actors(conn, [(name, role)])
        except BadInput as exc:
            if str(exc).startswith("unknown actor") and name not in actors:
                actors.append(name)
    place = (form.get("place") or "").strip() or None
    if place is not None:
        try:
            common.check_value(conn, "place", place)
            place = None
        except BadInput as exc:
            place = place if str(exc).startswith("unknown place") else None
    return {"actors": actors, "place": place}


def safe_next(value: str | None, fallback: str) -> str:
    """Only a path on this server (no scheme, no host, no //) may be redirected to."""
    if not value:
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    return value


REFILL_KINDS = ("edit", "add")  # the forms whose unknown names the desk offers to create (FORM_PAGES' kinds)


def refill_target(form) -> str:
    """Where a create-actor or create-place form sends the analyst: back to the page of the form
    they were filling in (its `next`), with what they had typed in it (the create form carries it
    as `refill-FIELD`) in the query, so that page shows that form refilled (refilled_form)."""
    page = safe_next(form.get("next"), "/")
    kind = form.get("refill")
    if kind not in REFILL_KINDS:
        return page
    typed = {f"refill-{k}": str(form.get(f"refill-{k}")) for k in FORM_FIELDS if form.get(f"refill-{k}") is not None}
    return page + ("&" if "?" in page else "?") + urlencode({"refill": kind, **typed})


def refilled_form(conn, query, kind: str) -> dict | None:
    """The form state of a page reached through refill_target: the `kind` form filled with what
    was typed, no errors, and the names in it still unknown offered for creation again; None when
    the query refills no `kind` form."""
    if query.get("refill") != kind:
        return None
    typed = {k: str(query[f"refill-{k}"]) for k in FORM_FIELDS if query.get(f"refill-{k}") is not None}
    typed["next"] = safe_next(typed.get("next"), "")
    return {"kind": kind, "typed": typed, "errors": {}, "unknown": unknown_names(conn, typed)}
