"""`kpolicy plot`: the timeline as PNG/SVG, with honest dates, distinct forecasts, and labels
that stay legible from the seed's 31 events to a thousand."""

from __future__ import annotations

import random
import re
import shutil
import sqlite3
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from kpolicy.views.plot import build_lanes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()  # well-formed XML or this raises
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_seed_png(cli, tmp_path):
    target = tmp_path / "seed.png"
    result = cli("plot", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"kpolicy: drew 31 events in 5 lanes to {target} (43 labels)"
    assert target.read_bytes()[:8] == PNG_MAGIC
    import matplotlib.image

    height, width = matplotlib.image.imread(target).shape[:2]
    assert width >= 1400 and 600 <= height <= 3000


def test_seed_svg_labels_lanes_and_legend(cli, tmp_path):
    target = tmp_path / "seed.svg"
    result = cli("plot", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    texts = _svg_texts(target)
    assert "WPK Central Committee plenum of April 2018" in texts
    assert "North Korea  (26)" in texts and "United States  (8)" in texts  # lanes at state level
    assert any(t.startswith("Possible North Korean border provocations") and t.endswith(" ?") for t in texts)  # a forecast
    for legend in ("exact day", "expected (hollow, dashed)", "forecast (hollow, dotted, ?)", "open-ended (fades out)"):
        assert legend in texts


def test_type_lanes_and_people(cli, tmp_path):
    target = tmp_path / "types.svg"
    assert cli("plot", "--lanes", "type", "-o", str(target)).exit_code == 0
    texts = _svg_texts(target)
    assert "plenum  (3)" in texts and "summit  (4)" in texts and "2 other types  (2)" in texts
    people = tmp_path / "people.svg"
    assert cli("plot", "--people", "--actor", "Kim Jong-un", "-o", str(people)).exit_code == 0
    assert any(t.startswith("Kim Jong-un  (") for t in _svg_texts(people))


def test_filters_narrow_the_chart(cli, tmp_path):
    target = tmp_path / "forecasts.svg"
    result = cli("plot", "--status", "forecast", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert "drew 3 events" in result.stderr
    assert "status forecast" in " ".join(_svg_texts(target))  # the subtitle names the filter


@pytest.mark.parametrize("name", ["chart.pdf", "chart", "chart.jpeg"])
def test_bad_suffix_is_one_line_exit_2(cli, tmp_path, name):
    result = cli("plot", "-o", str(tmp_path / name))
    assert result.exit_code == 2
    assert result.stderr.startswith("kpolicy: error: -o ") and result.stderr.count("\n") == 1
    assert list(tmp_path.iterdir()) == [] or all(p.suffix == ".db" or p.is_dir() for p in tmp_path.iterdir())


def test_nothing_to_draw_and_bad_lanes(cli, tmp_path):
    result = cli("plot", "--from", "1990", "--to", "1991", "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "nothing to draw" in result.stderr
    result = cli("plot", "--lanes", "place", "-o", str(tmp_path / "x.png"))
    assert result.exit_code == 2 and "--lanes" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_date_kinds():
    rows = [
        {"id": 1, "date": "2019-12-28", "title": "a", "states": ["X"], "status": "occurred"},
        {"id": 2, "date": "2019-12-28/2019-12-31", "title": "b", "states": ["X"], "status": "occurred"},
        {"id": 3, "date": "2019-12", "title": "c", "states": ["X"], "status": "expected"},
        {"id": 4, "date": "2020-02/..", "title": "d", "states": ["X"], "status": "forecast"},
        {"id": 5, "date": "2019?", "title": "e", "states": ["X"], "status": "occurred"},
        {"id": 6, "date": None, "title": "f", "states": ["X"], "status": "occurred"},
    ]
    lanes, left, right, events, skipped, merged = build_lanes(rows)
    kinds = {it.id: (it.kind, it.uncertain) for it in lanes[0].items}
    assert kinds == {1: ("point", False), 2: ("exact", False), 3: ("fuzzy", False), 4: ("open_right", False), 5: ("fuzzy", True)}
    assert (events, skipped) == (6, 1)
    open_item = next(it for it in lanes[0].items if it.id == 4)
    assert open_item.start == date(2020, 2, 1) and open_item.end == right  # runs to the chart's edge


def make_synthetic(path: str, n: int = 1000, seed: int = 6) -> None:
    """Add n random events (clustered in 2017 and 2019; mixed precision and status) to a seeded file."""
    import calendar

    from kpolicy.dates import sort_key, span_class

    rnd = random.Random(seed)
    con = sqlite3.connect(path)
    types = [r[0] for r in con.execute("SELECT code FROM event_types")]
    actors = [r[0] for r in con.execute("SELECT id FROM actors")]
    events, links = [], set()
    for i in range(n):
        eid = 1000 + i
        year = rnd.choice([2017, 2019]) if rnd.random() < 0.4 else rnd.randint(2010, 2020)
        month, day = rnd.randint(1, 12), rnd.randint(1, 28)
        r = rnd.random()
        if r < 0.45:
            edtf, lo, hi, prec = f"{year}-{month:02d}-{day:02d}", date(year, month, day), date(year, month, day), "day"
        elif r < 0.7:
            edtf, lo, hi, prec = f"{year}-{month:02d}", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), "month"
        elif r < 0.8:
            edtf, lo, hi, prec = f"{year}", date(year, 1, 1), date(year, 12, 31), "year"
        elif r < 0.95:
            d2 = min(day + rnd.randint(1, 6), 28)
            edtf, lo, hi, prec = f"{year}-{month:02d}-{day:02d}/{year}-{month:02d}-{d2:02d}", date(year, month, day), date(year, month, d2), "interval"
        else:
            edtf, lo, hi, prec = f"{year}-{month:02d}/..", date(year, month, 1), None, "open"
        status = "occurred" if year < 2020 else rnd.choice(["expected", "forecast"])
        kind = rnd.choice(types)
        events.append((eid, kind, f"Synthetic {kind.replace('_', ' ')} number {i} with a longer title", edtf,
                       lo.isoformat(), hi.isoformat() if hi else None, prec, status, rnd.choice(["reviewed", "extracted"]),
                       span_class(lo, hi), sort_key(lo, hi)))
        for actor in rnd.sample(actors, rnd.choice([1, 1, 2, 3])):
            links.add((eid, actor, "participant"))
    con.executemany(
        "INSERT INTO events (id, type, title, date, start_date, end_date, precision, status, review, span_class, sort_key, "
        "confidence, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0.8, '2026-01-01', '2026-01-01')", events)
    con.executemany("INSERT INTO event_actors VALUES (?, ?, ?)", sorted(links))
    con.executemany("INSERT INTO mentions (event_id, source_id, char_start, char_end, quote) VALUES (?, 1, 0, 10, ?)",
                    [(e[0], f"quote of synthetic event {e[0]}") for e in events])
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def thousand_db(tmp_path_factory, _seeded_template) -> str:
    from conftest import copy_seeded

    path = copy_seeded(_seeded_template, tmp_path_factory.mktemp("big") / "big.db")
    make_synthetic(path)
    return str(path)


def test_a_thousand_events_stay_legible(thousand_db, tmp_path):
    from conftest import Cli

    target = tmp_path / "big.svg"
    result = Cli(thousand_db)("plot", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    m = re.fullmatch(r"kpolicy: drew 1031 events in (\d+) lanes to .* \((\d+) labels, counts per period\)\n", result.stderr)
    assert m, result.stderr
    lanes, labels = int(m.group(1)), int(m.group(2))
    assert lanes <= 12 and labels <= 6 * lanes
    texts = _svg_texts(target)
    assert sum(t.startswith("Synthetic") for t in texts) <= 6 * lanes  # thinned, not 1000 labels
    assert any("other" in t for t in texts)  # lanes beyond 12 are merged
    png = tmp_path / "big.png"
    result = Cli(thousand_db)("plot", "--lanes", "type", "--labels", "3", "-o", str(png))
    assert result.exit_code == 0, result.stderr
    assert png.read_bytes()[:8] == PNG_MAGIC and png.stat().st_size < 1_500_000


def test_every_date_kind_draws(tmp_path):
    from kpolicy.views.plot import draw

    rows = [
        {"id": i, "date": d, "title": f"event {d}", "states": ["X", "Y"][: 1 + i % 2], "status": s, "type": "talks"}
        for i, (d, s) in enumerate(
            [("2019-12-28", "occurred"), ("2019-12-28/2019-12-31", "occurred"), ("2019-12", "expected"), ("2020-02/..", "forecast"),
             ("../2018-06", "occurred"), ("2019?", "occurred"), ("2020-21", "expected"), ("2019-06-01/2019-07", "forecast"), (None, "occurred")]
        )
    ]
    summary = draw(rows, tmp_path / "kinds.svg")
    assert (summary.events, summary.drawn, summary.skipped_undated, summary.aggregated) == (9, 8, 1, False)
    texts = _svg_texts(tmp_path / "kinds.svg")
    assert "event 2020-02/.. ?" in texts and "event ../2018-06" in texts
    assert any("1 undated not shown" in t for t in texts)


def test_a_window_is_the_axis(cli, tmp_path):
    target = tmp_path / "window.svg"
    result = cli("plot", "--from", "2019-10", "--to", "2020-04", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    texts = _svg_texts(target)
    assert "Nov" in texts and "2013" not in texts  # months of the window, not the 2012 start of a long interval
    assert "Market-like solutions introduced in agriculture and state enterprises" in texts  # cut at the edge, still shown
