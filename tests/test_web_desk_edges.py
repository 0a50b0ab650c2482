"""Issue 24's review-desk items, in-process (Starlette's TestClient), on every engine:
item 6 "Save and accept", item 4 undo of an ingest (remove the source, confirmed, undoable),
item 2 a bad value re-shows the form, item 5 the JSON twins are the CLI's objects, item 1 the chart.
"""

from __future__ import annotations

import json
import re
from html import unescape
import warnings

import pytest

warnings.filterwarnings("ignore", message=".*httpx.*", category=DeprecationWarning)
pytest.importorskip("starlette.testclient")

from tests.conftest import Cli  # noqa: E402
from tests.test_web import _hostile_template, client, csrf_of, extracted_id, hostile_db, post, version_of  # noqa: E402,F401


def changes(client, **params) -> list[dict]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/history.json?{query}").json()["revisions"]


# ---- issue 24, item 6: Save and accept --------------------------------------------------------------------

def test_save_and_accept_is_one_change_that_one_undo_takes_back(client):
    event_id = extracted_id(client)
    page = client.get(f"/events/{event_id}").text
    form = page.split('id="edit-form"', 1)[1].split("</form>", 1)[0]
    assert '<button type="submit" name="accept" value="1" id="save-accept">Save and accept</button>' in form
    before = client.get(f"/events/{event_id}.json").json()
    assert before["review"] == "extracted"
    saved = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", date="2021-03", accept="1",
                 reason="month only; checked", version=version_of(page, event_id))
    assert saved.status_code == 303, saved.text
    assert "edited+%28date%29+and+accepted" in saved.headers["location"]
    after = client.get(f"/events/{event_id}.json").json()
    assert (after["date"], after["review"]) == ("2021-03", "reviewed")
    mine = [r for r in after["history"] if r["change"] == after["history"][0]["change"]]
    assert {(r["field"], r["old"], r["new"]) for r in mine} == {("date", "2021-03-03", "2021-03"), ("review", "extracted", "reviewed")}
    # a reviewed event's form has no "Save and accept"
    assert 'id="save-accept"' not in client.get(f"/events/{event_id}").text
    undone = post(client, f"/changes/{mine[0]['change']}/undo", "/history", reason="too hasty")
    assert undone.status_code == 303, undone.text
    back = client.get(f"/events/{event_id}.json").json()
    assert (back["date"], back["review"]) == (before["date"], "extracted")


# ---- issue 24, item 4: undo on an ingest row ----------------------------------------------------------------

def test_ingest_rows_offer_removal_with_a_confirmation_and_it_is_undoable(client):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    ingest = [r for r in changes(client, size=500) if r["command"] == "ingest"]
    assert ingest, "the hostile article's ingest is in the history"
    change = ingest[0]["change"]
    html = client.get("/history?size=500").text
    # no undo form that could only answer "use the CLI": a link to the confirmation page instead
    assert f'action="/changes/{change}/undo"' not in html
    assert f'<a class="button" href="/sources/{slug}/remove">Undo change {change}: remove {slug}…</a>' in html
    seed = [r for r in changes(client, size=500) if r["command"] == "seed"][0]["change"]
    assert f'action="/changes/{seed}/undo"' not in html
    confirm = client.get(f"/sources/{slug}/remove")
    assert confirm.status_code == 200
    assert "Deleted with it (2): not reviewed, and no other source" in confirm.text
    assert 'id="remove-form"' in confirm.text and 'action="/sources/' + slug + '/remove"' in confirm.text
    doomed = [int(i) for i in re.findall(r'<li><a href="/events/(\d+)">', confirm.text.split("Kept and flagged")[0])]
    assert len(doomed) == 2
    removed = post(client, f"/sources/{slug}/remove", f"/sources/{slug}/remove", reason="wrong feed")
    assert removed.status_code == 303, removed.text
    assert client.get(f"/sources/{slug}.json").json()["removed"] is not None
    for event_id in doomed:
        assert client.get(f"/events/{event_id}.json").json()["deleted"] is True
    # the removal is itself a change with a working undo button
    removal = changes(client, size=5)[0]["change"]
    html = client.get("/history").text
    assert f'action="/changes/{removal}/undo"' in html
    assert f'href="/sources/{slug}/remove"' not in html  # removed already: no second offer
    assert "already removed" in client.get(f"/sources/{slug}/remove").text
    undone = post(client, f"/changes/{removal}/undo", "/history", reason="it was the right feed")
    assert undone.status_code == 303, undone.text
    assert client.get(f"/sources/{slug}.json").json()["removed"] is None
    for event_id in doomed:
        assert client.get(f"/events/{event_id}.json").json().get("deleted") is None


def test_the_confirmation_page_needs_a_known_source(client):
    assert client.get("/sources/no-such-source/remove").status_code == 404


# ---- issue 24, item 5: the JSON twins are the CLI's objects ----------------------------------------------------

INTERNAL = {"sort_key", "span_class", "first_mention_id", "place_id", "source_id", "actor_names", "start_date", "end_date",
            "event_id", "change_id", "created_change_id", "resolved_change_id", "sha256"}


def cli_json(db, *args):
    result = Cli(db)(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() if not isinstance(v, (str, int, float)) for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_json_twins_are_the_cli_objects(client, hostile_db):
    event_id = extracted_id(client)
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = client.get(f"/events/{event_id}").text
    assert post(client, f"/events/{event_id}/edit", f"/events/{event_id}", title="Two missiles off Wonsan", reason="clearer",
                version=version_of(page, event_id)).status_code == 303
    assert post(client, "/events/17/merge", "/events/17", others="18", reason="the same").status_code == 303
    assert post(client, "/events/5/delete", "/events/5", reason="gone").status_code == 303
    twins = {
        "/events/3.json": cli_json(hostile_db, "show", "3"),
        f"/events/{event_id}.json": cli_json(hostile_db, "show", str(event_id)),
        "/events/18.json": cli_json(hostile_db, "show", "18"),  # merged away: its tombstone and where it went
        "/events/5.json": cli_json(hostile_db, "show", "5"),  # deleted
        "/.json?size=500": {"events": cli_json(hostile_db, "events"), "next": None},
        "/.json?from=2019&to=2019-06&type=summit&size=500": {"events": cli_json(hostile_db, "events", "--from", "2019", "--to", "2019-06", "--type", "summit"), "next": None},
        "/.json?actor=North+Korea&size=500": {"events": cli_json(hostile_db, "events", "--actor", "North Korea"), "next": None},
        "/sources.json": {"sources": cli_json(hostile_db, "sources", "--all"), "next": None},
        f"/sources/{slug}.json": {**[s for s in cli_json(hostile_db, "sources", "--all") if s["slug"] == slug][0],
                                  "events": cli_json(hostile_db, "events", "--source", slug)},
        "/history.json?size=500": {"revisions": cli_json(hostile_db, "history"), "next": None},
        "/history.json?event=17": {"revisions": cli_json(hostile_db, "history", "17"), "next": None},
        "/history.json?by=tester&since=2020-01-01": {"revisions": cli_json(hostile_db, "history", "--by", "tester", "--since", "2020-01-01"), "next": None},
        "/review.json?size=10": {"queue": cli_json(hostile_db, "review", "--limit", "10"), "next": None},
        "/review.json?size=1": {"queue": cli_json(hostile_db, "review", "--limit", "1"),
                                "next": cli_json(hostile_db, "review", "--limit", "1")[0]["cursor"]},
        "/search.json?q=summit&size=5": {"q": "summit", "results": cli_json(hostile_db, "search", "summit", "--limit", "5")},
        "/stories.json": {"stories": cli_json(hostile_db, "story", "list")},
        "/stories/changes-in-north-koreas-policy.json": cli_json(hostile_db, "story", "show", "changes-in-north-koreas-policy"),
    }
    for path, expected in twins.items():
        got = client.get(path)
        assert got.status_code == 200, (path, got.text[:300])
        assert got.json() == expected, path
        assert not keys_of(got.json()) & INTERNAL, (path, keys_of(got.json()) & INTERNAL)
    shown = twins[f"/events/{event_id}.json"]
    assert shown["title"] == "Two missiles off Wonsan" and shown["history"][0]["field"] == "title"
    # its one proposal: 'near Wonsan', a place the authority file lacks (kpolicy.extract.unknown)
    assert shown["mentions"] and [(p["kind"], p["value"]["fields"]) for p in shown["proposals"]] == [("fields", {"place": "Wonsan"})]
    assert twins["/events/18.json"]["redirect"] == 17 and twins["/events/18.json"]["event"]["id"] == 17
    assert len(twins["/.json?size=500"]["events"]) > 30  # a weak comparison otherwise


def test_json_twins_page_like_their_pages(client):
    first = client.get("/history.json?size=3").json()
    second = client.get(f"/history.json?size=3&before={first['next']}").json()
    everything = client.get("/history.json?size=6").json()["revisions"]
    assert first["revisions"] + second["revisions"] == everything
    one = client.get("/sources.json?size=1").json()
    assert len(one["sources"]) == 1 and one["next"]
    rest = client.get(f"/sources.json?size=5&after={one['next']}").json()
    assert [s["slug"] for s in one["sources"] + rest["sources"]] == [s["slug"] for s in client.get("/sources.json").json()["sources"]]
    assert client.get("/sources/no-such-source.json").status_code == 404


def test_the_people_twin_is_users_list(db):
    from tests.test_team import add, desk, sign_in

    cli = Cli(db)
    root = add(cli, "root", "admin")
    add(cli, "ana", "reviewer")
    client = desk(db)
    try:
        sign_in(client, root)
        twin = client.get("/users.json").json()
        assert twin["users"] == cli_json(db, "users", "list")
        assert [u["name"] for u in twin["users"]] == ["ana", "root"] and twin["working"][0]["name"] == "root"
    finally:
        client.database.close()


# ---- issue 24, item 2: a bad value re-shows the form -------------------------------------------------------------

def test_a_bad_date_in_the_edit_form_reshows_it_with_the_values_typed(client):
    event_id = extracted_id(client)
    page = client.get(f"/events/{event_id}").text
    version = version_of(page, event_id)
    before = client.get(f"/events/{event_id}.json").json()
    bad = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", date="2021-13-45", title="A <b>typed</b> title",
               actors="North Korea:initiator; Nowhereland:target", reason="my reason", version=version, next="/review")
    assert bad.status_code == 400
    html = bad.text
    assert "Bad input" not in html and "Back to the timeline" not in html
    form = html.split('id="edit-form"', 1)[1].split("</form>", 1)[0]
    # what was typed, escaped, in its fields; the version it was made from and where it goes next
    assert 'id="edit-date" value="2021-13-45"' in form
    assert 'id="edit-title" value="A &lt;b&gt;typed&lt;/b&gt; title"' in form
    assert 'value="North Korea:initiator; Nowhereland:target"' in form and 'value="my reason"' in form
    assert f'name="version" value="{version}"' in form and 'name="next" value="/review"' in form
    # each error beside its own field, tied to it for screen readers
    date_error = re.search(r'<span class="field-error" id="edit-date-error">([^<]+)</span>', form)
    assert date_error and "13" in date_error.group(1)
    assert 'id="edit-date" value="2021-13-45" size="22" aria-invalid="true" aria-describedby="edit-date-error"' in form
    assert re.search(r'<span class="field-error" id="edit-actors-error">[^<]*Nowhereland', form)
    assert 'id="edit-title-error"' not in form  # a good value gets no error
    assert client.get(f"/events/{event_id}.json").json() == before  # nothing was written
    fixed = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", date="2021-03", reason="my reason", version=version, next="/review")
    assert fixed.status_code == 303 and fixed.headers["location"].startswith("/review?")


def test_a_missing_reason_or_an_unchanged_form_reshows_it(client):
    event_id = extracted_id(client)
    page = client.get(f"/events/{event_id}").text
    no_reason = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", date="2021-03", version=version_of(page, event_id))
    assert no_reason.status_code == 400 and 'id="edit-reason-error"' in no_reason.text
    assert 'id="edit-date" value="2021-03"' in no_reason.text
    same = post(client, f"/events/{event_id}/edit", f"/events/{event_id}", reason="x", version=version_of(page, event_id))
    assert same.status_code == 400 and 'class="error-message form-error" role="alert">nothing to change' in same.text


def test_a_bad_value_in_the_add_form_reshows_it_with_the_values_typed(client):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    bad = post(client, f"/sources/{slug}/add", page, quote="words that are not there", type="statement", date="2021-02-30",
               title="South Korean statement", actors="South Korea:initiator", status="expected")
    assert bad.status_code == 400
    form = bad.text.split('id="add-form"', 1)[1].split("</form>", 1)[0]
    assert ">words that are not there</textarea>" in form and re.search(r'id="add-quote-error">[^<]*not in the text', form)
    assert re.search(r'id="add-date-error">[^<]+', form) and 'value="2021-02-30"' in form
    assert "<option selected>statement</option>" in form and "<option selected>expected</option>" in form
    assert 'value="South Korean statement"' in form and 'id="add-title-error"' not in form
    assert slug in bad.text and "source-text" in bad.text  # the source page itself, not an error page
    # a JSON client still gets the one-line error
    scripted = client.post(f"/sources/{slug}/add", data={"csrf": csrf_of(client.get(page).text), "quote": "nope", "type": "statement",
                                                          "title": "x"}, headers={"Accept": "application/json"})
    assert scripted.status_code == 400 and "not in the text" in scripted.json()["error"]


def test_a_bad_publication_date_or_url_in_the_source_form_reshows_it(client):
    slug = client.get("/review.json").json()["queue"][0]["source"]
    page = f"/sources/{slug}"
    before = client.get(f"{page}.json").json()
    html = client.get(page).text
    form = html.split('id="source-form"', 1)[1].split("</form>", 1)[0]
    assert f'id="source-published" value="{before["published"]}"' in form
    bad = post(client, f"/sources/{slug}/edit", page, published="2021-02-30", url="javascript:alert(1)", title="A better title",
               reason="wire date")
    assert bad.status_code == 400
    form = bad.text.split('id="source-form"', 1)[1].split("</form>", 1)[0]
    assert 'id="source-published" value="2021-02-30"' in form and 'id="source-published-error">' in form
    assert 'value="javascript:alert(1)"' in form and re.search(r'id="source-url-error">[^<]*http', form)
    assert 'value="A better title"' in form and 'id="source-title-error"' not in form and 'value="wire date"' in form
    assert client.get(f"{page}.json").json() == before
    unchanged = post(client, f"/sources/{slug}/edit", page, published=before["published"], title=before["title"],
                     reason="nothing new")
    assert unchanged.status_code == 400 and "nothing to change" in unchanged.text and 'id="source-form"' in unchanged.text


# ---- issue 24, item 1: the timeline chart fits its data and its box --------------------------------------------------

def _row(i, day, title="Event", actors="North Korea", date=None, end=None, status="occurred", review="reviewed"):
    return {"id": i, "start": day, "end": end or day, "date": date or day, "type": "missile_test", "status": status,
            "review": review, "title": title, "actors": actors}


def _tick_x(svg_text) -> dict[str, float]:
    return {label: float(x) for x, label in re.findall(r'<text class="tick" x="([\d.]+)"[^>]*>(\d{4})</text>', svg_text)}


def test_one_early_outlier_gets_an_axis_break_not_the_whole_width():
    from kpolicy.web import svg

    rows = [_row(1, "2006-10-09", "First nuclear test")]
    rows += [_row(i, f"{2019 + i % 6}-{1 + i % 12:02d}-15") for i in range(2, 60)]
    drawn = svg.draw(rows)
    ticks = _tick_x(drawn)
    assert len(re.findall(r'<g class="axis-break">', drawn)) == 1
    assert re.search(r'<g class="axis-break"><title>2006-1\d-\d\d to 2018-\d\d-\d\d: no events \(axis break\)</title>', drawn)
    plot = svg.WIDTH - svg.LEFT - svg.RIGHT
    assert ticks["2024"] - ticks["2019"] > 0.7 * plot  # 2019-2024 spread over most of the chart
    assert ticks["2006"] < ticks["2019"] - svg.BREAK_W  # the outlier has its own slot at the left
    assert "2010" not in ticks and "2015" not in ticks  # the empty years are not drawn
    # without the outlier there is nothing to break
    assert '<g class="axis-break">' not in svg.draw(rows[1:])
    # a long interval across the break is drawn across it, not dropped
    spanning = svg.draw(rows + [_row(99, "2007-01-01", "Long sanctions regime", date="2007/2020", end="2020-12-31")])
    bar = re.search(r'aria-label="#99 [^"]*"><title>[^<]*</title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', spanning)
    assert bar and float(bar.group(1)) < _tick_x(spanning)["2019"] and float(bar.group(1)) + float(bar.group(2)) > _tick_x(spanning)["2020"]


def test_lane_labels_are_never_clipped_and_every_mark_is_labelled_and_focusable():
    from kpolicy.web import svg

    long_name = "Supreme People's Assembly of the Democratic People's Republic of Korea, standing committee"
    rows = [_row(i, f"2020-{1 + i % 12:02d}-01", f"Title {i} <b>&</b>", actors=f"{long_name}; United Nations Security Council",
                 review="extracted" if i % 2 else "reviewed") for i in range(1, 20)]
    drawn = svg.draw(rows)
    labels = re.findall(r'<text class="lane-label" x="([\d.]+)" y="[\d.]+"([^>]*)><title>([^<]*)</title>([^<]*)</text>', drawn)
    assert {unescape(label[3]) for label in labels} == {long_name, "United Nations Security Council"}
    for x, attrs, title, shown in labels:
        assert float(x) >= 0 and "text-anchor" not in attrs  # starts inside the chart, written rightwards
        assert len(unescape(shown)) * 13 * 0.62 < svg.WIDTH - float(x)  # fits the chart's width at its font size
    narrow = svg.draw(rows, width=svg.NARROW, variant="narrow")
    shown_narrow = re.findall(r'<text class="lane-label"[^>]*><title>([^<]*)</title>([^<]*)</text>', narrow)
    cut = [unescape(s) for t, s in shown_narrow if unescape(t).startswith(long_name)][0]
    assert cut.endswith("…") and len(cut) * 13 * 0.62 < svg.NARROW  # shortened to fit; the whole name is in its title
    marks = re.findall(r'<a href="/events/(\d+)" class="mark" tabindex="0" aria-label="([^"]+)"><title>([^<]+)</title>', drawn)
    assert len({m[0] for m in marks}) == 19 and len(marks) == drawn.count('class="mark"')
    assert all("Title" in label and "&lt;b&gt;&amp;&lt;/b&gt;" in label for _, label, _ in marks)  # escaped
    assert drawn.count('class="mark-label"') == drawn.count('visibility="hidden"') == len(marks)  # shown on hover and focus (CSS)
    # sized by its box: a viewBox, no fixed width or height
    head = drawn[:drawn.index(">")]
    assert 'viewBox="0 0 1100 ' in head and " width=" not in head and " height=" not in head
    assert 'role="group"' in head  # not role=img, which would hide the links from a screen reader


def test_the_page_carries_a_wide_and_a_phone_chart_and_css_switches_them(client):
    html = client.get("/").text
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg wide"') == 1
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="timeline-svg narrow" viewBox="0 0 420 ') == 1
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # the two charts' gradients do not share ids
    css = client.get("/static/desk.css").text
    assert "@media (max-width: 640px) { .timeline-svg.wide { display: none; } .timeline-svg.narrow { display: block; } }" in css
    assert ".timeline-svg a.mark:focus .mark-label" in css


def test_the_chart_draws_the_first_and_last_representable_days():
    from kpolicy.web import svg

    drawn = svg.draw([_row(1, "0001-01-01", "Year one"), _row(2, "9999-12-31", "The end"), _row(3, "2020-05-01")])
    assert drawn.count('class="mark"') == 3 and drawn.count('<g class="axis-break">') == 2
