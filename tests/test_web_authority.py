"""Issue 20 on the review desk: an unknown actor or place typed in an edit or add form is offered
for creation (a form through the write path, one change in the history, undoable), on every engine."""

from __future__ import annotations

import warnings
from html import unescape

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
pytest.importorskip("starlette.testclient")

from tests.test_web import _hostile_template, client, csrf_of, extracted_id, hostile_db, post, version_of  # noqa: E402,F401


def _section(html: str, kind: str) -> str:
    marker = f'id="{kind}-create-unknown"'
    assert marker in html, "the re-shown form offers to create the unknown names"
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def _create(client, path, page, **fields):
    html = client.get(page).text
    return client.post(path, data={"csrf": csrf_of(html), **fields}, headers={"Accept": "application/json"})


def test_an_unknown_actor_and_place_in_the_edit_form_are_offered_and_created(client):
    event_id = extracted_id(client)
    page = f"/events/{event_id}"
    version = version_of(client.get(page).text, event_id)
    typed = dict(actors="North Korea:initiator; Kim Myong-gil:target", place="Kaesong Industrial Complex", reason="named in the text")
    bad = post(client, f"{page}/edit", page, version=version, **typed)
    assert bad.status_code == 400
    offer = unescape(_section(bad.text, "edit"))
    assert 'action="/actors/new"' in offer and "Create actor “Kim Myong-gil”" in offer and 'name="name" value="Kim Myong-gil"' in offer
    assert 'action="/places/new"' in offer and "Create place “Kaesong Industrial Complex”" in offer
    assert "Create actor “North Korea”" not in offer  # a known actor is not offered
    # create the actor: one change in the history, by the signed-in person
    made = _create(client, "/actors/new", page, name="Kim Myong-gil", kind="person", parent="North Korea",
                   aliases="Kim Myong Gil; 김명길", reason="DPRK ambassador to Vietnam")
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["ok"] and body["by"] and "actor Kim Myong-gil added" in body["notice"]
    place = _create(client, "/places/new", page, name="Kaesong Industrial Complex", country="PRK", lat="37.93", lon="126.62",
                    aliases="Kaesong complex", reason="the joint zone")
    assert place.status_code == 200, place.text
    # the edit sent again now goes through, naming the new actor and place (an alias works too)
    again = post(client, f"{page}/edit", page, version=version, actors="North Korea:initiator; Kim Myong Gil:target",
                 place="Kaesong complex", reason="named in the text")
    assert again.status_code == 303, again.text
    event = client.get(f"{page}.json").json()
    assert ("Kim Myong-gil", "target") in {(a["name"], a["role"]) for a in event["actor_roles"]}
    assert event["place"] == "Kaesong Industrial Complex"


def test_a_created_place_is_undone_from_the_history(client):
    event_id = extracted_id(client)
    page = f"/events/{event_id}"
    made = _create(client, "/places/new", page, name="Camp Humphreys", country="KOR", lat="36.96", lon="127.03", reason="USFK base")
    assert made.status_code == 200, made.text
    change = made.json()["change"]
    undone = post(client, f"/changes/{change}/undo", "/history", reason="not needed")
    assert undone.status_code == 303, undone.text
    version = version_of(client.get(page).text, event_id)
    gone = post(client, f"{page}/edit", page, version=version, place="Camp Humphreys", reason="x")
    assert gone.status_code == 400 and "Create place “Camp Humphreys”" in unescape(_section(gone.text, "edit"))


def test_the_add_form_offers_its_unknown_actor_too(client):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    bad = post(client, f"/sources/{slug}/add", page, quote="not in the text", type="statement", title="x",
               actors="Ri Chang-ho:initiator")
    assert bad.status_code == 400
    assert "Create actor “Ri Chang-ho”" in unescape(_section(bad.text, "add"))


@pytest.mark.parametrize("fields, words", [
    ({"name": "North Korea", "kind": "state"}, "North Korea"),  # a taken name
    ({"name": " \t", "kind": "person"}, "not a name"),
    ({"name": "Somebody", "kind": "mob"}, "unknown kind 'mob'"),
    ({"name": "Somebody", "kind": "person", "parent": "Atlantis"}, "unknown parent 'Atlantis'"),
    ({"name": "Somebody", "kind": "person", "aliases": "Kim Jong Un"}, "already Kim Jong-un's"),
])
def test_a_bad_new_actor_is_refused_in_one_line_and_nothing_is_written(client, fields, words):
    before = client.get("/history.json?size=1").json()["revisions"]
    bad = _create(client, "/actors/new", "/review", **fields)
    assert bad.status_code == 400 and words in bad.json()["error"] and "\n" not in bad.json()["error"]
    assert client.get("/history.json?size=1").json()["revisions"] == before


def test_a_new_place_needs_its_coordinates(client):
    bad = _create(client, "/places/new", "/review", name="Somewhere", country="PRK")
    assert bad.status_code == 400 and "latitude and longitude" in bad.json()["error"]
    out = _create(client, "/places/new", "/review", name="Somewhere", lat="95", lon="0")
    assert out.status_code == 400 and "out of range" in out.json()["error"]


def _form_fields(html: str, action: str) -> dict:
    """The named inputs of the first form posting to `action`, as a browser would send them untouched."""
    import re

    body = html.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return {unescape(n): unescape(v) for n, v in re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body)}


def _edit_form(html: str) -> dict:
    import re

    body = html.split('id="edit-form"', 1)[1].split("</form>", 1)[0]
    fields = {unescape(n): unescape(v) for n, v in re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body)}
    fields["type"] = re.search(r'name="type".*?<option selected>([^<]+)<', body, re.S).group(1)
    return fields


def test_after_creating_an_unknown_name_the_edit_form_comes_back_as_typed(client):
    """The analyst types an edit naming an unknown actor and an unknown place, creates the actor
    from the offer, and lands on the event page with the edit form holding what they typed (not
    the stored values), the place still offered; creating it too and sending the form saves it."""
    event_id = extracted_id(client)
    page = f"/events/{event_id}"
    version = version_of(client.get(page).text, event_id)
    typed = dict(type="statement", title="Envoy Ha Jin-sol visits the new port", actors="North Korea:initiator; Ha Jin-sol:participant",
                 place="Port Aldane", reason="named in the third paragraph", next="/review")
    bad = post(client, f"{page}/edit", page, version=version, **typed)
    assert bad.status_code == 400
    offer = _form_fields(bad.text, "/actors/new")
    made = client.post("/actors/new", data={**offer, "kind": "person", "parent": "North Korea", "reason": "new envoy"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    assert made.headers["location"].startswith(page + "?")
    back = client.get(made.headers["location"])
    assert back.status_code == 200 and "actor Ha Jin-sol added" in unescape(back.text)
    form = _edit_form(back.text)
    assert {k: form[k] for k in typed} == typed and form["version"] == str(version)
    assert "Nothing was saved" not in back.text  # refilled, not refused
    left = unescape(_section(back.text, "edit"))
    assert "Create place “Port Aldane”" in left and "Create actor" not in left  # only what is still unknown is offered
    place = client.post("/places/new", data={**_form_fields(back.text, "/places/new"), "lat": "40.1", "lon": "128.2", "country": "PRK"},
                        follow_redirects=False)
    assert place.status_code == 303, place.text
    again = client.get(place.headers["location"])
    form = _edit_form(again.text)
    assert form["place"] == "Port Aldane" and form["actors"] == typed["actors"] and 'id="edit-create-unknown"' not in again.text
    saved = client.post(f"{page}/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].startswith("/review?"), saved.text
    event = client.get(f"{page}.json").json()
    assert event["place"] == "Port Aldane" and event["title"] == typed["title"]
    assert ("Ha Jin-sol", "participant") in {(a["name"], a["role"]) for a in event["actor_roles"]}


def test_the_event_page_without_a_refill_shows_the_stored_values(client):
    event_id = extracted_id(client)
    stored = client.get(f"/events/{event_id}.json").json()
    form = _edit_form(client.get(f"/events/{event_id}?refill=add&refill-title=not+this+form").text)
    assert form["title"] == stored["title"]


def test_an_unknown_place_proposal_is_accepted_from_the_desk(client):
    """The hostile article's 'near Wonsan' (a place the authority file lacks) is a proposal on its
    event; the desk shows it with its sentence and a button that creates the place and sets it."""
    queue = client.get("/review.json").json()["queue"]
    row = next(r for r in queue if r["kind"] == "proposal:fields" and "Wonsan" in r["detail"])
    page = f"/events/{row['id']}"
    html = unescape(client.get(page).text)
    assert "a place the authority file lacks: <strong>Wonsan</strong>" in html and "Create place and accept" in html
    done = post(client, f"/proposals/{row['proposal']}/resolve", page, decision="accept", next=page)
    assert done.status_code == 303, done.text
    assert client.get(f"{page}.json").json()["place"] == "Wonsan"
    history = client.get(f"/history.json?event={row['id']}").json()["revisions"]
    assert any(r["field"] == "place" for r in history)


def test_after_creating_an_unknown_actor_the_add_form_comes_back_as_typed(client):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    typed = dict(quote="not in the text either", type="statement", title="A statement by Ha Jin-sol", actors="Ha Jin-sol:initiator",
                 reason="a missed statement")
    bad = post(client, f"{page}/add", page, **typed)
    assert bad.status_code == 400
    made = client.post("/actors/new", data={**_form_fields(bad.text, "/actors/new"), "kind": "person"}, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith(page + "?"), made.text
    back = unescape(client.get(made.headers["location"]).text)
    form = back.split('action="/sources/', 1)[1].split("</form>", 1)[0]
    assert ">not in the text either</textarea>" in form and 'value="A statement by Ha Jin-sol"' in form
    assert 'value="Ha Jin-sol:initiator"' in form and "<option selected>statement</option>" in form
    assert 'id="add-create-unknown"' not in back  # the actor exists now: nothing left to offer
