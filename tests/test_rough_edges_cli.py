"""Issue 24, the CLI's rough edges (items 8, 9, 10, 27, 29): one test per item, each failed
before its fix. Exact output where it is stable."""

from __future__ import annotations

import json

import pytest
from conftest import Cli


def one_line_error(result, code: int = 2) -> str:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpolicy: error: "), result.stderr
    return lines[0]


def last_change(cli) -> int:
    return max(int(r["change"]) for r in json.loads(cli("history", "--format", "json").stdout))


# ---- item 8: provenance after a hand edit ------------------------------------------------------

def test_show_says_who_set_a_hand_edited_date_and_keeps_the_phrase_as_history(cli):
    before = cli("show", "3").stdout
    assert "      date from 'in February 2019', resolved against nothing (absolute)\n" in before
    assert "set by" not in before
    assert cli("edit", "3", "--date", "2019-02-27/2019-02-28", "--place", "", "--by", "ana",
               "--reason", "the two days of the summit").exit_code == 0
    change = last_change(cli)
    text = cli("show", "3").stdout
    assert (f"  date       2019-02-27/2019-02-28  (27 Feb 2019 – 28 Feb 2019; precision interval; 2019-02-27 to 2019-02-28)\n"
            f"             set by ana in change {change} (`kpolicy edit`: the two days of the summit); was 2019-02\n") in text
    assert f"  place      -\n             set by ana in change {change} (`kpolicy edit`: the two days of the summit); was Hanoi\n" in text
    assert "      was: date from 'in February 2019', resolved against nothing (absolute)\n" in text
    assert "\n      date from" not in text
    assert "  status     occurred\n  actors" in text  # fields nobody touched carry no note
    set_by = json.loads(cli("show", "3", "--format", "json").stdout)["set_by"]
    assert set(set_by) == {"date", "place"}
    assert set_by["date"]["by"] == "ana" and set_by["date"]["change"] == change and set_by["date"]["was"] == "2019-02"


def test_an_undo_of_the_edit_gives_the_phrase_back_its_date(cli):
    assert cli("edit", "3", "--date", "2019-02-27", "--by", "ana", "--reason", "x").exit_code == 0
    assert cli("undo", str(last_change(cli)), "--reason", "wrong day").exit_code == 0
    text = cli("show", "3").stdout
    assert "set by" not in text and "      date from 'in February 2019'" in text


def test_a_later_hand_edit_names_the_last_person(cli):
    assert cli("edit", "12", "--status", "expected", "--by", "ana", "--reason", "a").exit_code == 0
    assert cli("edit", "12", "--status", "forecast", "--by", "bo", "--reason", "b").exit_code == 0
    change = last_change(cli)
    assert f"  status     forecast\n             set by bo in change {change} (`kpolicy edit`: b); was occurred\n" in cli("show", "12").stdout


# ---- item 27: `show N --as-of` a point before N existed -----------------------------------------

def test_show_as_of_before_the_event_existed_says_did_not_exist_yet(cli):
    result = cli("show", "3", "--as-of", "2020-01-01")
    assert result.exit_code == 0, result.stderr
    line = result.stdout.strip()
    assert line.startswith("#3 did not exist yet as of 2020-01-01: it was created in change 1 (")
    assert line.endswith("`kpolicy seed`)") and "deleted" not in line
    assert json.loads(cli("show", "3", "--as-of", "2020-01-01", "--format", "json").stdout)["exists"] is False
    assert "did not exist yet" in one_line_error(cli("show", "3", "--as-of", "2020-01-01", "--format", "csv"))


def test_show_as_of_names_no_later_change_in_its_history(cli):
    assert cli("edit", "3", "--title", "Later title", "--reason", "x").exit_code == 0
    text = cli("show", "3", "--as-of", "1").stdout
    assert "  history    1 change(s); created by" in text
    assert "as-of" not in text and "Later title" not in text
