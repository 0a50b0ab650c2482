"""People and roles on the review desk (issue 23): users, tokens, sessions, rate limit, roles.

Every test that takes `db` runs on SQLite and, with KPOLICY_TEST_POSTGRES_URL, on PostgreSQL.
"""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from tests.conftest import Cli


def add(cli, name, role):
    result = cli("users", "add", name, "--role", role)
    assert result.exit_code == 0, result.stderr
    token = result.stdout.strip()
    assert re.fullmatch(r"kp_\d+_[A-Za-z0-9_-]{40,}", token)
    assert "shown only now" in result.stderr
    return token


def desk(db):
    from starlette.testclient import TestClient

    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.web import create_app

    database = open_or_create(db)
    client = TestClient(create_app(database), raise_server_exceptions=False, base_url="http://127.0.0.1:8080")
    client.database = database
    return client


def sign_in(client, token, expect=303):
    response = client.post("/signin", data={"token": token, "next": "/review"}, follow_redirects=False)
    assert response.status_code == expect, response.text
    return response


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


def first_extracted(client) -> int:
    """An event to curate: the seed's events are reviewed, so a decision on one is a reject."""
    return client.get("/.json").json()["events"][0]["id"]


def review(client, event_id, decision="reject", reason="checked"):
    page = client.get(f"/events/{event_id}").text
    version = re.search(rf'data-event="{event_id}" data-version="(\d+)"', page).group(1)
    return client.post(f"/events/{event_id}/review", data={"csrf": csrf_of(page), "decision": decision, "reason": reason,
                                                           "version": version}, follow_redirects=False)


def changes_count(db) -> int:
    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.store import schema

    database = open_or_create(db)
    with database.reading() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.changes)).scalar_one()
    database.close()
    return n


@pytest.fixture
def team(db):
    cli = Cli(db)
    tokens = {"ana": add(cli, "ana", "reviewer"), "ben": add(cli, "ben", "reader"), "root": add(cli, "root", "admin")}
    return db, cli, tokens


def test_users_cli_add_list_disable_token(team):
    db, cli, tokens = team
    listed = cli("users", "list", "--format", "csv")
    assert listed.exit_code == 0
    rows = [line.split(",")[:3] for line in listed.stdout.strip().splitlines()]
    assert rows == [["name", "role", "state"], ["ana", "reviewer", "active"], ["ben", "reader", "active"], ["root", "admin", "active"]]
    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.store import schema

    database = open_or_create(db)
    with database.reading() as conn:
        stored = conn.execute(sa.select(schema.users.c.token_hash)).scalars().all()
    database.close()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(t.split("_", 2)[2] in h for t in tokens.values() for h in stored)  # only the hash is kept
    again = cli("users", "add", "ana", "--role", "reader")
    assert again.exit_code == 2 and again.stderr.count("\n") == 1 and "exists already" in again.stderr
    assert cli("users", "disable", "ben").exit_code == 0
    assert "disabled" in cli("users", "list").stdout
    refused = cli("users", "token", "ben")
    assert refused.exit_code == 2 and "is disabled" in refused.stderr
    assert cli("users", "enable", "ben").exit_code == 0
    fresh = cli("users", "token", "ben")
    assert fresh.exit_code == 0 and fresh.stdout.strip() != tokens["ben"]
    c = desk(db)
    sign_in(c, tokens["ben"], 401)  # the old token stopped working
    sign_in(c, fresh.stdout.strip())
    c.database.close()


@pytest.mark.parametrize("name", ["ana\x1b[31m", "bad\nname", "tab\tbed", "zero\u200bwidth", " ", "x" * 65])
def test_bad_user_names_are_one_line_and_change_nothing(team, name):
    db, cli, _ = team
    result = cli("users", "add", name, "--role", "reader")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("kpolicy: error: ")
    assert "\x1b" not in result.stderr
    assert len(cli("users", "list", "--format", "jsonl").stdout.strip().splitlines()) == 3


def test_unknown_role_and_unknown_user(team):
    _, cli, _ = team
    bad = cli("users", "add", "cho", "--role", "reviwer")
    assert bad.exit_code == 2 and "did you mean 'reviewer'" in bad.stderr
    missing = cli("users", "disable", "anna")
    assert missing.exit_code == 2 and "no user 'anna'" in missing.stderr and "'ana'" in missing.stderr


def test_pages_need_sign_in_once_people_exist(team):
    db, _, tokens = team
    c = desk(db)
    page = c.get("/events/3")
    assert page.status_code == 401 and 'action="/signin"' in page.text and 'name="csrf"' not in page.text
    assert c.get("/events/3.json").status_code == 401
    sign_in(c, tokens["ben"])
    page = c.get("/events/3")
    assert page.status_code == 200 and "signed in as ben (reader)" in page.text
    assert 'action="/events/3/review"' not in page.text  # a reader gets no forms
    c.database.close()


def test_reader_write_is_refused_403(team):
    db, _, tokens = team
    c = desk(db)
    sign_in(c, tokens["ben"])
    event_id = first_extracted(c)
    before = changes_count(db)
    page = c.get(f"/events/{event_id}").text
    response = c.post(f"/events/{event_id}/review", data={"csrf": csrf_of(page), "decision": "reject", "reason": "x"}, follow_redirects=False)
    assert response.status_code == 403 and "ben is a reader" in response.text and "nothing was changed" in response.text
    bearer = c.post(f"/events/{event_id}/review", data={"decision": "accept"}, headers={"Authorization": f"Bearer {tokens['ben']}", "Accept": "application/json"})
    assert bearer.status_code == 403
    assert changes_count(db) == before
    c.database.close()


def test_reviewer_change_is_recorded_under_their_name(team):
    db, cli, tokens = team
    c = desk(db)
    sign_in(c, tokens["ana"])
    event_id = first_extracted(c)
    assert review(c, event_id).status_code == 303
    revisions = c.get(f"/history.json?event={event_id}").json()["revisions"]
    assert revisions[0]["by"] == "ana" and revisions[0]["reason"] == "checked"
    shown = cli("history", str(event_id), "--by", "ana", "--format", "csv").stdout
    assert ",ana," in shown
    # a form field cannot sign the change as someone else
    page = c.get(f"/events/{event_id}").text
    assert 'name="by"' not in page
    c.database.close()


def test_only_an_admin_removes_a_source(team):
    db, _, tokens = team
    ana, root = desk(db), desk(db)
    sign_in(ana, tokens["ana"])
    sign_in(root, tokens["root"])
    slug = ana.get("/sources.json").json()["sources"][0]["slug"]
    page = ana.get(f"/sources/{slug}").text
    assert f"/sources/{slug}/remove" not in page
    refused = ana.post(f"/sources/{slug}/remove", data={"csrf": csrf_of(page), "reason": "wrong file"}, follow_redirects=False)
    assert refused.status_code == 403 and "needs the admin role" in refused.text
    page = root.get(f"/sources/{slug}").text
    done = root.post(f"/sources/{slug}/remove", data={"csrf": csrf_of(page), "reason": "wrong file"}, follow_redirects=False)
    assert done.status_code == 303
    assert root.get("/history.json?by=root").json()["revisions"]
    people = root.get("/users.json").json()
    assert [u["name"] for u in people["users"]] == ["ana", "ben", "root"]
    assert {w["name"] for w in people["working"]} == {"ana", "root"}
    assert ana.get("/users").status_code == 403
    ana.database.close()
    root.database.close()


def test_disabled_users_session_is_refused_on_its_next_request(team):
    db, cli, tokens = team
    c = desk(db)
    sign_in(c, tokens["ana"])
    assert c.get("/review").status_code == 200
    assert cli("users", "disable", "ana").exit_code == 0
    page = c.get("/review")
    assert page.status_code == 401 and "disabled" in page.text
    event_id = 3
    before = changes_count(db)
    write = c.post(f"/events/{event_id}/review", data={"decision": "accept", "csrf": "0" * 64}, follow_redirects=False)
    assert write.status_code == 401 and changes_count(db) == before
    bearer = c.get("/review.json", headers={"Authorization": f"Bearer {tokens['ana']}"})
    assert bearer.status_code == 401
    c.database.close()


def test_sign_out_ends_the_session(team):
    db, _, tokens = team
    c = desk(db)
    sign_in(c, tokens["ana"])
    key = c.cookies.get("kpolicy_session")
    page = c.get("/review").text
    out = c.post("/signout", data={"csrf": csrf_of(page)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/signin")
    assert c.get("/review").status_code == 401
    c.cookies.set("kpolicy_session", key)  # the old cookie, replayed
    replay = c.get("/review")
    assert replay.status_code == 401 and "ended" in replay.text
    c.database.close()


def test_expired_session_is_refused(team):
    db, _, tokens = team
    c = desk(db)
    sign_in(c, tokens["ana"])
    from kpolicy.store import schema

    with c.database.bookkeeping() as conn:  # as if the session's hours had passed
        conn.execute(sa.update(schema.sessions).values(expires_at=schema.sessions.c.created_at))
    page = c.get("/review")
    assert page.status_code == 401 and "expired" in page.text and 'action="/signin"' in page.text
    c.database.close()


def test_wrong_tokens_are_rate_limited_and_logged(team, caplog):
    from kpolicy.web.app import SIGNIN_LIMIT

    db, _, tokens = team
    c = desk(db)
    caplog.set_level(logging.WARNING, logger="kpolicy.web")
    for attempt in range(SIGNIN_LIMIT):
        wrong = sign_in(c, f"kp_1_{'x' * 43}", 401)
        assert "wrong or out-of-date token" in wrong.text
    limited = sign_in(c, tokens["ana"], 429)  # even the right token waits: the burst is refused as a whole
    assert "too many wrong tokens" in limited.text and "nothing was changed" in limited.text
    assert any("sign-in rate limit reached" in r.getMessage() for r in caplog.records)
    assert c.cookies.get("kpolicy_session") is None
    bearer = c.get("/review.json", headers={"Authorization": "Bearer kp_1_nope"})
    assert bearer.status_code == 429
    c.database.close()


def test_garbage_tokens_get_a_clear_page(team):
    db, _, _ = team
    c = desk(db)
    for token in ["", "kp_", "kp_99999_" + "a" * 43, "\x00\x1b[2J", "x" * 5000]:
        response = c.post("/signin", data={"token": token}, follow_redirects=False)
        assert response.status_code in (401, 429)
        assert "Traceback" not in response.text and 'action="/signin"' in response.text
    c.database.close()


def test_single_token_mode_stays(db):
    """With --token (or nobody added) one person works alone: the printed URL's token."""
    from starlette.testclient import TestClient

    from kpolicy.store.bootstrap import open_or_create
    from kpolicy.web import create_app

    Cli(db)("users", "add", "ana", "--role", "reader")
    database = open_or_create(db)
    c = TestClient(create_app(database, token="alone-token-123", user="solo"), raise_server_exceptions=False, base_url="http://127.0.0.1:8080")
    assert c.get("/events/3").status_code == 200  # reads open, as before
    assert c.get("/?token=alone-token-123", follow_redirects=False).status_code == 303
    event_id = first_extracted(c)
    assert review(c, event_id).status_code == 303
    assert c.get(f"/history.json?event={event_id}").json()["revisions"][0]["by"] == "solo"
    database.close()


def test_live_view_shows_the_other_analysts_change(team):
    """ben's page, loaded before ana's change, learns of it (and that its event changed); the
    history page shows who is on the desk and on which page."""
    db, _, tokens = team
    ana, ben = desk(db), desk(db)
    sign_in(ana, tokens["ana"])
    sign_in(ben, tokens["ben"])
    event_id = first_extracted(ana)
    page = ben.get(f"/events/{event_id}").text
    loaded = int(re.search(r'data-change="(\d+)"', page).group(1))
    quiet = ben.get(f"/live.json?since={loaded}&event={event_id}").json()
    assert quiet["changes"] == [] and quiet["event_changed"] is False and quiet["change"] == loaded
    assert review(ana, event_id, reason="seen by ana").status_code == 303
    news = ben.get(f"/live.json?since={loaded}&event={event_id}").json()
    assert [(c["by"], c["action"], c["reason"]) for c in news["changes"]] == [("ana", "review", "seen by ana")]
    assert news["event_changed"] is True and news["event_changed_by"] == ["ana"]
    other = ben.get(f"/live.json?since={loaded}&event=1").json()
    assert other["event_changed"] is (event_id == 1)
    history = ben.get("/history").text
    assert 'id="working"' in history and "<strong>ana</strong> (reviewer)" in history
    assert ben.get("/live.json?since=abc").status_code == 400
    assert desk(db).get("/live.json").status_code == 401  # nobody signed in
    ana.database.close()
    ben.database.close()


def test_postgres_sessions_run_without_jit(db):
    """kpolicy's PostgreSQL connections switch JIT off (its compile time dominated the actor query)."""
    if not db.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    from kpolicy.store.bootstrap import open_or_create

    database = open_or_create(db)
    with database.reading() as conn:
        assert conn.exec_driver_sql("SHOW jit").scalar_one() == "off"
        # streamed answers are read whole: their cursors are planned for every row, not the first 10%
        assert float(conn.exec_driver_sql("SHOW cursor_tuple_fraction").scalar_one()) == 1.0
    database.close()
