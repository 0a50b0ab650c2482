"""The review desk (kpolicy serve) in-process: every route and its .json twin, and the safety
rules: token, CSRF, read-only, conflicts, escaping, no stack traces, security headers.

Runs on every engine the `db` fixture gives (SQLite, and PostgreSQL when configured).
"""

from __future__ import annotations

import re
import warnings

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
starlette_testclient = pytest.importorskip("starlette.testclient")

from tests.conftest import ENGINES, Cli, copy_seeded, seeded_postgres_database  # noqa: E402

TOKEN = "test-token-0123456789"
SEED_SLUG = "changes-in-north-koreas-policy"
HOSTILE = """---
title: A hostile bulletin <script>alert('title')</script>
published: 2021-03-10
publisher: kpolicy test fixture
---
On 3 March 2021 North Korea launched two ballistic missiles into the sea <script>alert('quote')</script> near Wonsan, the South Korean military said.

Kim Jong-un met Xi Jinping in Beijing on 8 March 2021 to discuss sanctions <img src=x onerror=alert(1)>.
"""


def _ingest_hostile(db: str, folder) -> None:
    article = folder / "hostile.md"
    article.write_text(HOSTILE, encoding="utf-8")
    result = Cli(db)("ingest", str(article))
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="session")
def _hostile_template(_seeded_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    path = copy_seeded(_seeded_template, folder / "hostile.db")
    _ingest_hostile(path, folder)
    import sqlite3

    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return folder / "hostile.db"


@pytest.fixture(params=ENGINES)
def hostile_db(request, tmp_path, _hostile_template):
    """The seeded database plus one ingested (unreviewed) article full of markup."""
    if request.param == "sqlite":
        yield copy_seeded(_hostile_template, tmp_path / "kpolicy.db")
        return
    url, drop = seeded_postgres_database()
    _ingest_hostile(url, tmp_path)
    yield url
    drop()


def make_client(db, read_only=False, token=TOKEN, signed_in=True):
    from starlette.testclient import TestClient

    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.web import create_app

    database = open_or_create(db)
    client = TestClient(create_app(database, token=token, read_only=read_only, user="tester"), raise_server_exceptions=False,
                        base_url="http://127.0.0.1:8080")  # the desk answers only to the address it serves
    if signed_in:
        response = client.get(f"/?token={token}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/"
    client.database = database
    return client


@pytest.fixture
def client(hostile_db):
    c = make_client(hostile_db)
    yield c
    c.database.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def version_of(html: str, event_id: int) -> int:
    return int(re.search(rf'data-event="{event_id}" data-version="(\d+)"', html).group(1))


def extracted_id(client) -> int:
    queue = client.get("/review.json").json()["queue"]
    assert queue, "the hostile article should leave events to review"
    return queue[0]["id"]


PAGES = [
    "/", "/?from=2019&to=2019-06&actor=North+Korea&type=test&status=occurred&lanes=type",
    "/events/3", "/review", "/sources", f"/sources/{SEED_SLUG}", "/history", "/history?event=3", "/search?q=summit",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_and_its_json_twin(client, path):
    html = client.get(path)
    assert html.status_code == 200, html.text[:500]
    assert html.headers["content-type"].startswith("text/html")
    base, _, query = path.partition("?")
    twin = ("/.json" if base == "/" else base + ".json") + (("?" + query) if query else "")
    data = client.get(twin)
    assert data.status_code == 200, data.text[:500]
    assert data.headers["content-type"].startswith("application/json")
    assert isinstance(data.json(), dict)


def test_timeline_json_has_the_cli_rows_and_pages(client):
    first = client.get("/.json?size=5").json()
    assert len(first["events"]) == 5 and first["next"]
    second = client.get(f"/.json?size=5&after={first['next']}").json()
    assert not {e["id"] for e in first["events"]} & {e["id"] for e in second["events"]}
    everything = client.get("/.json?size=500").json()["events"]
    assert [e["id"] for e in everything[:10]] == [e["id"] for e in first["events"] + second["events"]]
    within = client.get("/.json?from=2019&to=2019-06").json()["events"]
    assert {e["id"] for e in within} >= {3, 8, 10}


def test_timeline_svg_marks_link_to_events(client):
    html = client.get("/").text
    assert "<svg" in html and 'href="/events/3"' in html
    assert "fade-r-" in html  # open-ended forecasts fade out
    assert 'stroke-dasharray="1.5 2"' in html  # forecasts dotted


def test_event_page_shows_evidence_and_provenance(client):
    page = client.get("/events/3").text
    assert "<mark>the Kim-Trump meeting in Hanoi in February 2019</mark>" in page
    assert "in February 2019" in page and "participant" in page
    assert "The stored quote does not match" not in page
    data = client.get("/events/3.json").json()
    assert data["version"] >= 1 and data["review"] == "reviewed"
    assert {"date_rule", "type_rule", "date_text", "date_anchor"} <= set(data["mentions"][0])


def test_source_page_highlights_every_event(client):
    from kpolicy.web import reads

    with client.database.reading() as conn:
        data = reads.source_detail(conn, SEED_SLUG)
    marked = [s for s in data["segments"] if s.get("event_id")]
    assert len({s["event_id"] for s in marked}) >= 25
    assert sum(len(s["text"]) for s in data["segments"]) == data["characters"]
    html = client.get(f"/sources/{SEED_SLUG}").text
    assert len(set(re.findall(r'<a class="hl [^"]*" href="/events/(\d+)"', html))) == len({s["event_id"] for s in marked})
    twin = client.get(f"/sources/{SEED_SLUG}.json").json()
    assert twin["characters"] == data["characters"] and len(twin["events"]) >= 25


def test_article_text_is_escaped_everywhere(client):
    event_id = extracted_id(client)
    slug = client.get("/review.json").json()["queue"][0]["source"]
    for path in ("/", "/review", f"/events/{event_id}", f"/sources/{slug}", "/sources", "/history", "/search?q=missiles"):
        html = client.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
    assert "&lt;script&gt;alert(" in client.get(f"/sources/{slug}").text


def test_security_headers_on_every_response(client):
    for path in ("/", "/events/3.json", "/events/99999", "/static/desk.js"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "default-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_no_inline_script_or_style(client):
    for path in ("/", "/review", "/events/3", f"/sources/{SEED_SLUG}"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"\son[a-z]+=", html.replace("onerror=alert(1)&gt;", "")), path


def test_errors_are_pages_without_traces(client, monkeypatch):
    missing = client.get("/events/99999")
    assert missing.status_code == 404 and "no event with id 99999" in missing.text
    assert client.get("/events/99999.json").json()["status"] == 404
    bad = client.get("/?from=2019-13")
    assert bad.status_code == 400 and "month 13" in bad.text
    assert client.get("/?actor=Nort+Korea").status_code == 400
    assert client.get("/nowhere").status_code == 404

    from kpolicy.web import reads

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(reads, "event_detail", boom)
    import kpolicy.curate

    monkeypatch.setattr(kpolicy.curate, "event_object", boom)
    crash = client.get("/events/3")
    assert crash.status_code == 500
    assert "Traceback" not in crash.text and "secret internals" not in crash.text
    assert "content-security-policy" in crash.headers
    assert client.get("/events/3.json").json()["status"] == 500


def test_token_cookie_and_wrong_token(hostile_db):
    c = make_client(hostile_db, signed_in=False)
    assert "not signed in" in c.get("/").text
    assert 'name="csrf"' not in c.get("/events/3").text  # no forms (and no CSRF token) for strangers
    wrong = c.get("/?token=nope", follow_redirects=False)
    assert wrong.status_code == 403
    right = c.get("/review?token=" + TOKEN, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/review"
    cookie = right.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    c.database.close()


def test_writes_need_the_token(hostile_db):
    c = make_client(hostile_db, signed_in=False)
    event_id = extracted_id(c)
    response = c.post(f"/events/{event_id}/review", data={"decision": "accept", "reason": "x"})
    assert response.status_code == 401
    response = c.post(f"/events/{event_id}/review", data={"decision": "accept"}, headers={"Authorization": "Bearer wrong-token"})
    assert response.status_code == 401
    assert c.get(f"/events/{event_id}.json").json()["review"] == "extracted"
    c.database.close()


def test_writes_need_the_csrf_token(client):
    event_id = extracted_id(client)
    for data in ({"decision": "accept"}, {"decision": "accept", "csrf": "0" * 64}):
        response = client.post(f"/events/{event_id}/review", data=data)
        assert response.status_code == 403 and "CSRF" in response.text
    cross = client.post(f"/events/{event_id}/review", data={"decision": "accept", "csrf": csrf_of(client.get("/review").text)},
                        headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403
    assert client.get(f"/events/{event_id}.json").json()["review"] == "extracted"


def test_read_only_refuses_every_write(hostile_db):
    c = make_client(hostile_db, read_only=True)
    html = c.get("/events/3").text
    assert "read-only" in html and "/events/3/edit" not in html
    from kpolicy.web.actions import ACTIONS

    for path, *_ in ACTIONS:
        concrete = path.replace("{id:id}", "3").replace("{slug}", SEED_SLUG)
        response = c.post(concrete, data={"reason": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 403, concrete
    c.database.close()


def test_stale_form_gets_the_conflict_page(client):
    event_id = extracted_id(client)
    page = client.get(f"/events/{event_id}").text
    csrf, version = csrf_of(page), version_of(page, event_id)
    response = client.post(f"/events/{event_id}/review", data={"decision": "accept", "csrf": csrf, "version": version - 1 if version > 1 else version + 5})
    assert response.status_code == 409
    assert "changed since this form was made" in response.text and f"/events/{event_id}" in response.text
    assert client.get(f"/events/{event_id}.json").json()["review"] == "extracted"


def test_redirect_target_stays_on_this_server():
    from kpolicy.web.forms import safe_next

    assert safe_next("/review?after=x", "/") == "/review?after=x"
    for bad in ("//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil"):
        assert safe_next(bad, "/") == "/"


def test_parse_actors():
    from kpolicy.errors import BadInput
    from kpolicy.web.forms import parse_actors

    assert parse_actors("North Korea:initiator; United States") == [("North Korea", "initiator"), ("United States", "participant")]
    with pytest.raises(BadInput):
        parse_actors("North Korea:boss")


# ---- the write paths (kpolicy.curate) -----------------------------------------------------------

@pytest.fixture
def curate():
    return pytest.importorskip("kpolicy.curate", reason="the curation library (kpolicy.curate) is not in this build")


def post(client, path, page, **data):
    """Submit a form as the browser would: the page's CSRF token and the event's version."""
    html = client.get(page).text
    fields = {"csrf": csrf_of(html), **{k: v for k, v in data.items() if v is not None}}
    return client.post(path, data=fields, follow_redirects=False)


def test_accept_reject_and_history(client, curate):
    first, second = [q["id"] for q in client.get("/review.json").json()["queue"][:2]]
    page = client.get(f"/events/{first}").text
    response = post(client, f"/events/{first}/review", f"/events/{first}", decision="accept", reason="checked", version=version_of(page, first), next="/review", by="Ana")  # a form's "by" is ignored: the signed-in person signs
    assert response.status_code == 303 and response.headers["location"].startswith("/review?")
    assert client.get(f"/events/{first}.json").json()["review"] == "reviewed"
    assert first not in [q["id"] for q in client.get("/review.json").json()["queue"] if q["kind"] == "event"]
    no_reason = post(client, f"/events/{second}/review", f"/events/{second}", decision="reject")
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    assert post(client, f"/events/{second}/review", f"/events/{second}", decision="reject", reason="not an event").status_code == 303
    assert client.get(f"/events/{second}.json").json()["review"] == "rejected"
    assert client.get("/history.json?by=Ana").json()["revisions"] == []
    history = client.get(f"/history.json?by=tester").json()["revisions"]
    assert [(r["event"], r["reason"]) for r in history] == [(second, "not an event"), (first, "checked")]
    assert "tester" in client.get(f"/history?event={first}").text


def test_edit_is_one_revision_and_a_stale_edit_conflicts(client, curate):
    event_id = extracted_id(client)
    page = client.get(f"/events/{event_id}").text
    version = version_of(page, event_id)
    ok = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", date="2021-03", reason="only the month is certain", version=version)
    assert ok.status_code == 303, ok.text
    event = client.get(f"/events/{event_id}.json").json()
    assert event["date"] == "2021-03" and event["version"] == version + 1 and event["precision"] == "month"
    edits = [r for r in event["history"] if r["action"] == "edited"]
    assert [(r["field"], r["old"], r["new"]) for r in edits] == [("date", "2021-03-03", "2021-03")]
    stale = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", title="Another title", reason="x", version=version)
    assert stale.status_code == 409 and "changed since this form was made" in stale.text
    assert client.get(f"/events/{event_id}.json").json()["title"] != "Another title"
    actors = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", actors="North Korea:initiator; Japan:target", reason="Japan was the target", version=version + 1)
    assert actors.status_code == 303, actors.text
    roles = client.get(f"/events/{event_id}.json").json()["actor_roles"]
    assert {(a["name"], a["role"]) for a in roles} == {("North Korea", "initiator"), ("Japan", "target")}


def test_merge_split_delete_and_undo(client, curate):
    keep, other = [q["id"] for q in client.get("/review.json").json()["queue"][:2]]
    merged = post(client, f"/events/{keep}/merge", f"/events/{keep}", others=str(other), reason="the same event")
    assert merged.status_code == 303, merged.text
    mentions = client.get(f"/events/{keep}.json").json()["mentions"]
    assert len(mentions) == 2
    assert client.get(f"/events/{other}", follow_redirects=False).headers["location"].startswith(f"/events/{keep}")
    split = post(client, f"/events/{keep}/split", f"/events/{keep}", mention=str(mentions[1]["id"]), reason="two events after all")
    assert split.status_code == 303, split.text
    new_id = int(split.headers["location"].split("/")[2].split("?")[0])
    assert [m["id"] for m in client.get(f"/events/{new_id}.json").json()["mentions"]] == [mentions[1]["id"]]
    deleted = post(client, f"/events/{new_id}/delete", f"/events/{new_id}", reason="duplicate")
    assert deleted.status_code == 303
    assert client.get(f"/events/{new_id}.json").json()["deleted_at"]
    assert "was deleted" in client.get(f"/events/{new_id}").text
    change = client.get(f"/history.json?event={new_id}").json()["revisions"][0]["change"]
    undone = post(client, f"/changes/{change}/undo", "/history", reason="deleted by mistake")
    assert undone.status_code == 303, undone.text
    assert client.get(f"/events/{new_id}.json").json().get("deleted") is None


def test_source_add_edit_remove(client, curate):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    added = post(client, f"/sources/{slug}/add", page, quote="the South Korean military said", type="statement", date="2021-03-03",
                 title="South Korean military statement", actors="South Korea:initiator", status="occurred")
    assert added.status_code == 303, added.text
    new_id = int(added.headers["location"].split("/")[2].split("?")[0])
    event = client.get(f"/events/{new_id}.json").json()
    assert event["mentions"][0]["quote"] == "the South Korean military said"
    assert "<mark>the South Korean military said</mark>" in client.get(f"/events/{new_id}").text
    assert new_id in [e["id"] for e in client.get(f"{page}.json").json()["events"]]
    missing = post(client, f"/sources/{slug}/add", page, quote="words that are not there", type="statement", title="x", status="occurred")
    assert missing.status_code == 400 and "not in the text" in missing.text
    edited = post(client, f"/sources/{slug}/edit", page, published="2021-03-11", reason="the wire date")
    assert edited.status_code == 303, edited.text
    assert client.get(f"{page}.json").json()["published"] == "2021-03-11"
    removed = post(client, f"/sources/{slug}/remove", page, reason="wrong feed")
    assert removed.status_code == 303, removed.text
    assert client.get(f"{page}.json").json()["removed"] is not None


def test_the_add_form_has_no_default_type(client, curate):
    """Issue 24 item 3: the type is required and nothing is chosen for the analyst."""
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    html = client.get(page).text
    form = html.split('id="add-form"', 1)[1].split("</form>", 1)[0]
    assert '<select name="type" id="add-type" required><option value="" selected>choose a type</option>' in form
    assert form.count(" selected") == 1
    untyped = post(client, f"/sources/{slug}/add", page, quote="the South Korean military said", type="",
                   title="South Korean military statement", status="occurred")
    assert untyped.status_code == 400 and "choose the event&#39;s type" in untyped.text
    assert client.get(f"{page}.json").json()["removed"] is None


def test_bearer_writes_json_without_csrf(hostile_db, curate):
    c = make_client(hostile_db, signed_in=False)
    event_id = extracted_id(c)
    response = c.post(f"/events/{event_id}/review", data={"decision": "accept", "reason": "scripted"},
                      headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    assert response.status_code == 200 and response.json()["ok"] is True
    again = c.post(f"/events/{event_id}/review", data={"decision": "accept"},
                   headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    assert again.status_code == 400 and "already" in again.json()["error"]
    c.database.close()


@pytest.mark.parametrize("params", [
    {}, {"start": "2019", "end": "2019-12"}, {"start": "2019-12"}, {"end": "2018"}, {"on": "2019-12"},
    {"start": "2019", "end": "2020", "within": True}, {"types": ["test"]}, {"statuses": ["forecast"], "start": "2020"},
    {"actors": ["North Korea"], "start": "2019"}, {"text": "summit"}, {"review": "extracted"}, {"types": ["meeting"], "end": "2019-06"},
])
def test_timeline_pages_are_the_query_in_order(hostile_db, params):
    """However a page is found (index walk, set, window split), the pages joined are `kpolicy events`."""
    from kpolicy.query import EventQuery, iter_rows
    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.web.reads import timeline_page

    database = open_or_create(hostile_db)
    with database.reading() as conn:
        q = EventQuery(**params)
        expected = [r["id"] for r in iter_rows(conn, q)]
        got, after = [], None
        while True:
            rows, after = timeline_page(conn, q, after, 3)
            got += [r["id"] for r in rows]
            if after is None:
                break
    database.close()
    assert got == expected


def test_rejected_events_leave_the_default_timeline_pages(client, curate):
    event_id = extracted_id(client)
    assert post(client, f"/events/{event_id}/review", f"/events/{event_id}", decision="reject", reason="not an event").status_code == 303
    for query in ("", "?from=2021", "?type=test", "?type=test&from=2020"):
        assert event_id not in [e["id"] for e in client.get(f"/.json{query}").json()["events"]], query
    assert event_id in [e["id"] for e in client.get("/.json?review=rejected").json()["events"]]


def test_the_review_twin_pages_with_next_and_gives_the_whole_queue(client):
    whole = client.get("/review.json?size=500").json()
    assert whole["next"] is None and len(whole["queue"]) >= 2
    got, after = [], ""
    while True:
        page = client.get(f"/review.json?size=1{'&after=' + after if after else ''}").json()
        got += page["queue"]
        if page["next"] is None:
            break
        after = page["next"]
    assert got == whole["queue"]
    bad = client.get("/review.json?after=nope")
    assert bad.status_code == 400 and "bad review cursor" in bad.text

