"""Stored text never drives the terminal (issue 15, item 8): a title, quote or slug holding
ESC ] 0; ... BEL, ESC [ 2 J, CSI colours or bidi overrides is shown escaped in every
terminal rendering (show, timeline, events/search/sources tables); machine formats keep
the text as stored."""

from __future__ import annotations

import json
import sqlite3

import pytest

from conftest import Cli

HOSTILE = "Pwned \x1b]0;owned\x07\x1b[2J\x1b[31mred\u202eevil\x9b1m"


@pytest.fixture
def hostile(sqlite_db) -> Cli:
    con = sqlite3.connect(sqlite_db)
    con.execute("UPDATE events SET title = ? WHERE id = 3", (HOSTILE,))
    con.execute("UPDATE mentions SET quote = ? WHERE event_id = 3", (HOSTILE,))
    con.commit()
    con.close()
    return Cli(sqlite_db)


@pytest.mark.parametrize("args", [("show", "3"), ("timeline",), ("events",), ("search", "Pwned"), ("events", "--text", "Pwned")])
def test_terminal_renderings_escape_control_characters(hostile, args):
    result = hostile(*args)
    assert result.exit_code == 0, result.output
    assert "Pwned" in result.stdout
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in result.stdout, (args, bad)
    assert "\\x1b]0;owned\\x07" in result.stdout


def test_machine_formats_keep_the_stored_text(hostile):
    rows = json.loads(hostile("events", "--format", "json").stdout)
    assert any(r["title"] == HOSTILE for r in rows)
