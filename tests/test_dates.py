"""EDTF parsing, bounds and query windows."""

from __future__ import annotations

from datetime import date

import pytest

from kpolicy.dates import humanize, parse_edtf, parse_window
from kpolicy.errors import BadInput


@pytest.mark.parametrize(
    "text, lower, upper, precision",
    [
        ("2019-12-28", date(2019, 12, 28), date(2019, 12, 28), "day"),
        ("2019-12", date(2019, 12, 1), date(2019, 12, 31), "month"),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29), "month"),
        ("2019", date(2019, 1, 1), date(2019, 12, 31), "year"),
        ("2019?", date(2019, 1, 1), date(2019, 12, 31), "year"),
        ("2020-21", date(2020, 3, 1), date(2020, 5, 31), "season"),
        ("2020-24", date(2020, 12, 1), date(2021, 2, 28), "season"),
        ("2019-12-28/2019-12-31", date(2019, 12, 28), date(2019, 12, 31), "interval"),
        ("2020-03/2020-04", date(2020, 3, 1), date(2020, 4, 30), "interval"),
        ("2020-02/..", date(2020, 2, 1), None, "open"),
        ("../2019-06", None, date(2019, 6, 30), "open"),
        ("2019-XX", date(2019, 1, 1), date(2019, 12, 31), "interval"),
    ],
)
def test_bounds_and_precision(text, lower, upper, precision):
    parsed = parse_edtf(text)
    assert (parsed.lower, parsed.upper, parsed.precision) == (lower, upper, precision)
    assert parsed.edtf == text


def test_no_date_is_undated():
    assert parse_edtf(None).precision == "unknown"
    assert parse_edtf("").edtf is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2019-13", "month 13 does not exist"),
        ("2019-02-30", "February 2019 has 28 days"),
        ("2020-02-30", "February 2020 has 29 days"),
        ("last tuesday", "not a date kpolicy can read"),
        ("2020/2019", "the interval ends before it starts"),
        ("../..", "needs at least one bound"),
    ],
)
def test_invalid_dates_name_the_problem_and_the_fix(text, reason):
    with pytest.raises(BadInput) as info:
        parse_edtf(text)
    message = str(info.value)
    assert reason in message and "use EDTF such as" in message and "\n" not in message


def test_window_runs_from_first_lower_to_second_upper():
    assert parse_window("2019", "2019-06") == (date(2019, 1, 1), date(2019, 6, 30))
    assert parse_window("2019-06-15", None) == (date(2019, 6, 15), None)
    assert parse_window(None, "2019") == (None, date(2019, 12, 31))
    assert parse_window(on="2019-06") == (date(2019, 6, 1), date(2019, 6, 30))


def test_reversed_window_is_rejected():
    with pytest.raises(BadInput, match="reversed"):
        parse_window("2020", "2019-06")


def test_on_excludes_from_to():
    with pytest.raises(BadInput, match="--on cannot be combined"):
        parse_window("2019", None, "2019-06")


@pytest.mark.parametrize(
    "edtf, text",
    [
        ("2019-12-28", "28 Dec 2019"),
        ("2019-12", "Dec 2019"),
        ("2019", "2019"),
        ("2020-21", "spring 2020"),
        ("2019-12-28/2019-12-31", "28 Dec 2019 – 31 Dec 2019"),
        ("2020-02/..", "from Feb 2020 on"),
        ("../2019", "until 2019"),
        ("2019?", "2019?"),
        (None, "undated"),
    ],
)
def test_humanize(edtf, text):
    assert humanize(edtf) == text
