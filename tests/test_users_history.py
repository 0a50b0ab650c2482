"""Managing people is audited and undoable (issue 23): `kpolicy users add|disable|enable|role|token`
are changes in the history, signed by who ran them, and `kpolicy undo` takes them back (a new
token excepted). On the desk only an admin may undo them. Both engines."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Cli, query_rows
from tests.test_team import add, csrf_of, desk, sign_in


def history_json(cli) -> list[dict]:
    result = cli("history", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def people(cli) -> list[tuple]:
    return [(r["name"], r["role"], r["state"]) for r in json.loads(cli("users", "list", "--format", "json").stdout)]


def newest_change(db) -> int:
    return query_rows(db, "SELECT max(id) FROM changes")[0][0]


def test_every_user_management_write_is_a_signed_change_in_the_history(db):
    cli = Cli(db)
    before = newest_change(db)
    token = add(cli, "ana", "reviewer")
    assert cli("users", "role", "ana", "admin", "--by", "root", "--reason", "runs the desk now").exit_code == 0
    assert cli("users", "disable", "ana", "--by", "root").exit_code == 0
    assert cli("users", "enable", "ana", "--by", "root").exit_code == 0
    new = cli("users", "token", "ana", "--by", "root", "--reason", "lost laptop")
    assert new.exit_code == 0, new.stderr
    rows = [r for r in history_json(cli) if r["change"] > before]
    assert [(r["command"], r["by"], r["field"], r["reason"]) for r in rows] == [
        ("user_token", "root", "user", "lost laptop"),
        ("user_enable", "root", "user", None),
        ("user_disable", "root", "user", None),
        ("user_role", "root", "user", "runs the desk now"),
        ("user_add", rows[-1]["by"], "user", None),
    ]
    assert rows[-1]["old"] is None and rows[-1]["new"] == {"name": "ana", "role": "reviewer", "state": "active"}
    assert rows[3]["old"]["role"] == "reviewer" and rows[3]["new"]["role"] == "admin"
    assert rows[2]["new"]["state"] == "disabled" and rows[1]["new"]["state"] == "active"
    # the history never holds a token or its hash
    text = cli("history", "--format", "json").stdout
    assert token not in text and new.stdout.strip() not in text and "argon2" not in text
    # a no-op writes no change
    top = newest_change(db)
    assert "was admin already" in cli("users", "role", "ana", "admin").stderr
    assert "was already active" in cli("users", "enable", "ana").stderr
    assert newest_change(db) == top
    # a refused write changes nothing either
    assert cli("users", "add", "ana").exit_code == 2
    assert newest_change(db) == top


def test_undo_takes_back_role_disable_and_add_but_not_a_new_token(db):
    cli = Cli(db)
    token = add(cli, "ben", "reviewer")
    added = newest_change(db)
    assert cli("users", "role", "ben", "admin").exit_code == 0
    promoted = newest_change(db)
    assert cli("users", "disable", "ben").exit_code == 0
    disabled = newest_change(db)

    assert cli("undo", str(disabled), "--reason", "disabled the wrong person").exit_code == 0
    assert people(cli) == [("ben", "admin", "active")]
    assert cli("undo", str(promoted), "--reason", "not yet").exit_code == 0
    assert people(cli) == [("ben", "reviewer", "active")]
    undo_rows = [r for r in history_json(cli) if r["command"] == "undo"]
    assert [r["action"] for r in undo_rows] == ["reverted", "reverted"] and undo_rows[0]["field"] == "user"

    # undoing an earlier change that a later one changed again is refused, nothing changed
    assert cli("users", "role", "ben", "reader").exit_code == 0
    top = newest_change(db)
    refused = cli("undo", str(promoted + 3), "--reason", "x")  # the undo of the role change
    assert refused.exit_code != 0 and "ben's role was changed again after this change (it is now reader)" in refused.stderr
    assert newest_change(db) == top and people(cli) == [("ben", "reader", "active")]

    # a new token is not undone: the old one stays ended
    assert cli("users", "token", "ben").exit_code == 0
    top = newest_change(db)
    kept = cli("undo", str(top), "--reason", "x")
    assert kept.exit_code == 2 and len(kept.stderr.splitlines()) == 1
    assert "a new token cannot be taken back: ben's old one was ended on purpose" in kept.stderr
    assert newest_change(db) == top

    # undoing the add disables the person: their token stops working
    assert cli("undo", str(added), "--reason", "added by mistake").exit_code == 0
    assert people(cli) == [("ben", "reader", "disabled")]
    client = desk(db)
    response = client.post("/signin", data={"token": token, "next": "/"}, follow_redirects=False)
    assert response.status_code == 401
    client.database.close()


def test_on_the_desk_only_an_admin_undoes_a_change_to_people(db):
    cli = Cli(db)
    tokens = {"ana": add(cli, "ana", "reviewer"), "root": add(cli, "root", "admin"), "cho": add(cli, "cho", "reviewer")}
    assert cli("users", "role", "cho", "reader", "--by", "root").exit_code == 0
    demoted = newest_change(db)
    client = desk(db)
    sign_in(client, tokens["ana"])
    page = client.get("/history").text
    refused = client.post(f"/changes/{demoted}/undo", data={"csrf": csrf_of(page), "reason": "cho is a reviewer"},
                          follow_redirects=False)
    assert refused.status_code == 403 and "only an admin may undo it (ana is a reviewer)" in refused.text
    assert people(cli)[1] == ("cho", "reader", "active") and newest_change(db) == demoted
    client.post("/signout", data={"csrf": csrf_of(page)})
    admin = desk(db)
    sign_in(admin, tokens["root"])
    page = admin.get("/history").text
    done = admin.post(f"/changes/{demoted}/undo", data={"csrf": csrf_of(page), "reason": "cho reviews again"},
                      follow_redirects=False)
    assert done.status_code == 303, done.text
    assert people(cli)[1] == ("cho", "reviewer", "active")
    assert history_json(cli)[0]["by"] == "root" and history_json(cli)[0]["command"] == "undo"
    for c in (client, admin):
        c.database.close()
