"""PostgreSQL answers exactly as SQLite does: the same seeded data, the same commands, the
same bytes out (dates come back as date objects there, NULLs sort differently by default,
LIKE is case-sensitive: the library must hide all of that). Needs KPOLICY_TEST_POSTGRES_URL."""

from __future__ import annotations

import pytest
from conftest import ENGINES, Cli, _postgres_database

pytestmark = pytest.mark.skipif("postgresql" not in ENGINES, reason="set KPOLICY_TEST_POSTGRES_URL to compare engines")

COMMANDS = [
    ["timeline"],
    ["timeline", "--from", "2019", "--to", "2019-06"],
    ["timeline", "--status", "forecast"],
    ["events"],
    ["events", "--format", "csv"],
    ["events", "--format", "json"],
    ["events", "--format", "jsonl", "--actor", "Kim Jong-un"],
    ["events", "--from", "2019-12", "--within", "--format", "jsonl"],
    ["events", "--on", "2020", "--format", "csv"],
    ["events", "--type", "meeting", "--format", "csv"],
    ["events", "--text", "PLENUM", "--format", "csv"],
    ["events", "--text", "u.s.", "--format", "csv"],
    ["events", "--actor", "U.S.", "--actor", "North Korea", "--format", "csv"],
    ["events", "--limit", "5", "--format", "csv"],
    ["export"],
    ["export", "--bom", "--raw", "--to", "2019"],
    ["actors", "--format", "csv"],
    ["types", "--format", "json"],
    ["show", "1"],
    ["show", "7", "--format", "json"],
]


@pytest.fixture(scope="module")
def both():
    import shutil
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    lite = str(folder / "k.db")
    assert Cli(lite)("init", "--seed").exit_code == 0
    url, drop = _postgres_database()
    assert Cli(url)("init", "--seed").exit_code == 0
    yield lite, url
    drop()
    shutil.rmtree(folder)


def _normalise(text: str) -> str:
    # `show --format json` carries created_at/updated_at and its history's times, which differ between the two seedings
    import json
    import re

    if text.startswith("{") and text.count("\n") <= 1:  # one JSON object (show --format json)
        data = json.loads(text)
        data.pop("created_at", None)
        data.pop("updated_at", None)  # and its history's times, as below
        return re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", "<stamp>", json.dumps(data, sort_keys=True))
    return re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", "<stamp>", text)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_postgresql_gives_the_same_output_as_sqlite(both, args):
    lite, pg = both
    a = Cli(lite)(*args)
    b = Cli(pg)(*args)
    assert a.exit_code == 0, a.stderr
    assert b.exit_code == 0, b.stderr
    assert a.stdout, "the command printed nothing: a weak comparison"
    assert _normalise(b.stdout) == _normalise(a.stdout)
    assert b.stderr == a.stderr


@pytest.fixture(scope="module")
def both_ingested(both, tmp_path_factory):
    """The seeded pair plus synthetic articles ingested with `kpolicy ingest` (extracted events)."""
    from robustness_helpers import article_text
    from typer.main import get_command

    from kpolicy.cli import app

    if "ingest" not in get_command(app).commands:
        pytest.skip("`kpolicy ingest` is not on this branch")
    folder = tmp_path_factory.mktemp("parity-articles")
    for n in range(6):
        (folder / f"briefing-{n}.md").write_text(article_text(n) + "North Korea may hold another test, analysts said.\n")
    for db in both:
        result = Cli(db)("ingest", str(folder))
        assert result.exit_code == 0, result.stderr
    return both


INGESTED_COMMANDS = [
    ["timeline"],
    ["events", "--format", "jsonl"],
    ["events", "--review", "extracted", "--format", "csv"],
    ["events", "--from", "1982", "--to", "1984-06", "--format", "csv"],
    ["export"],
    ["sources", "--format", "csv"],
]


@pytest.mark.parametrize("args", INGESTED_COMMANDS, ids=[" ".join(a) for a in INGESTED_COMMANDS])
def test_postgresql_gives_the_same_output_after_ingest(both_ingested, args):
    lite, pg = both_ingested
    a = Cli(lite)(*args)
    b = Cli(pg)(*args)
    assert a.exit_code == 0 and b.exit_code == 0, a.stderr + b.stderr
    assert _normalise(b.stdout) == _normalise(a.stdout)
