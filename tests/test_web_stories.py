"""The desk's story pages: read and edit a story, add events from the timeline and the event
page, reorder, export; warnings; the desk's safety (token, CSRF, version checks, escaping).
Every engine the `db` fixture gives."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("starlette.testclient")

from tests.test_web import csrf_of, make_client  # noqa: E402

SEEDED = "changes-in-north-koreas-policy"


@pytest.fixture
def desk(db):
    c = make_client(db)
    yield c
    c.database.close()


def post(client, path, data, **kw):
    return client.post(path, data=data, follow_redirects=False, **kw)


def story_json(client, slug):
    response = client.get(f"/stories/{slug}.json")
    assert response.status_code == 200, response.text[:300]
    return response.json()


def start(client, slug="plenum-2019"):
    csrf = csrf_of(client.get("/stories").text)
    r = post(client, "/stories/new", {"csrf": csrf, "slug": slug, "title": "The <b>plenum</b>", "author": "A. Analyst"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/stories/{slug}?"), r.text[:300]
    return csrf


def test_pages_and_json_twins(desk):
    for path in ("/stories", f"/stories/{SEEDED}"):
        html = desk.get(path)
        assert html.status_code == 200 and html.headers["content-type"].startswith("text/html"), html.text[:300]
        assert isinstance(desk.get(path + ".json").json(), dict)
    data = story_json(desk, SEEDED)
    assert len(data["blocks"]) == 34 and data["footnotes"]
    assert desk.get("/stories/nope.json").status_code == 404


def test_build_from_the_timeline_and_event_page_reorder_and_export(desk):
    csrf = start(desk)
    timeline = desk.get("/").text
    assert 'form="add-to-story"' in timeline and 'id="add-to-story"' in timeline
    r = post(desk, "/stories/add-events", {"csrf": csrf, "story": "plenum-2019", "event": ["12", "17"], "next": "/?from=2019"})
    assert r.status_code == 303 and r.headers["location"].startswith("/?from=2019&done="), r.headers["location"]
    page = desk.get("/events/19").text
    assert 'action="/stories/add-events"' in page
    assert post(desk, "/stories/add-events", {"csrf": csrf, "story": "plenum-2019", "event": "19", "next": "/events/19"}).status_code == 303
    version = story_json(desk, "plenum-2019")["version"]
    r = post(desk, "/stories/plenum-2019/add", {"csrf": csrf, "version": version, "kind": "text", "value": "The plenum [#12] <script>x</script>."})
    assert r.status_code == 303
    data = story_json(desk, "plenum-2019")
    assert [b.get("event", {}).get("id") for b in data["blocks"]] == [12, 17, 19, None]
    # move the paragraph to the top, with a version check
    r = post(desk, "/stories/plenum-2019/blocks/4/move", {"csrf": csrf, "version": data["version"], "to": "1"})
    assert r.status_code == 303 and "focus=1" in r.headers["location"]
    stale = post(desk, "/stories/plenum-2019/blocks/2/move", {"csrf": csrf, "version": data["version"], "to": "1"})
    assert stale.status_code == 409 and "version" in stale.text
    data = story_json(desk, "plenum-2019")
    assert data["blocks"][0]["kind"] == "text" and [b["event"]["id"] for b in data["blocks"][1:]] == [12, 17, 19]
    html = desk.get("/stories/plenum-2019").text
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html and "The &lt;b&gt;plenum&lt;/b&gt;" in html
    md = desk.get("/stories/plenum-2019/export?format=md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/plain")
    assert "- **28–31 December 2019** — WPK Central Committee plenum" in md.text
    docx = desk.get("/stories/plenum-2019/export?format=docx")
    assert docx.headers["content-disposition"] == 'attachment; filename="plenum-2019.docx"' and docx.content[:2] == b"PK"
    exported = desk.get("/stories/plenum-2019/export?format=html")
    assert exported.headers["content-disposition"].startswith("attachment") and "&lt;script&gt;" in exported.text
    assert desk.get("/stories/plenum-2019/export?format=exe").status_code == 400


def test_warnings_on_the_story_page(desk):
    csrf = start(desk)
    post(desk, "/stories/add-events", {"csrf": csrf, "story": "plenum-2019", "event": ["12", "17"]})
    version = story_json(desk, "plenum-2019")["version"]
    assert post(desk, "/stories/plenum-2019/freeze", {"csrf": csrf, "version": version}).status_code == 303
    event = desk.get("/events/12.json").json()
    r = post(desk, "/events/12/edit", {"csrf": csrf, "version": event["version"], "title": "Renamed plenum", "reason": "test"})
    assert r.status_code == 303, r.text[:300]
    r = post(desk, "/events/17/delete", {"csrf": csrf, "reason": "test"})
    assert r.status_code == 303
    page = desk.get("/stories/plenum-2019").text
    assert "event #12 changed since the story was frozen" in page and "event #17 was deleted" in page
    assert "Renamed plenum" not in page  # frozen: the event as it stood


def test_writes_need_the_token_and_csrf(db):
    anonymous = make_client(db, signed_in=False)
    try:
        assert 'id="new-story"' not in anonymous.get("/stories").text
        r = post(anonymous, "/stories/new", {"slug": "x-1", "title": "X"})
        assert r.status_code == 401
    finally:
        anonymous.database.close()
    signed = make_client(db)
    try:
        r = post(signed, "/stories/new", {"csrf": "forged", "slug": "x-1", "title": "X"})
        assert r.status_code == 403
        assert all(s["slug"] != "x-1" for s in signed.get("/stories.json").json()["stories"])
        bad = post(signed, "/stories/new", {"csrf": csrf_of(signed.get("/stories").text), "slug": "Bad Slug", "title": "X"})
        assert bad.status_code == 400 and "not a slug" in bad.text
    finally:
        signed.database.close()
