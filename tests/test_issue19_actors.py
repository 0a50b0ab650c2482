"""Issue 19, who: the actors of an event and its second party, one test per phrasing class, each
with a second sentence of the same class. Texts written for the project."""

from __future__ import annotations

from datetime import date

import pytest

from kpolicy.extract import extract_events
from kpolicy.extract.actors import actor_finder


def events(text: str, published: str, kind: str | None = None):
    found = extract_events(text, date.fromisoformat(published))
    return [e for e in found if kind is None or e.type == kind]


def only(text: str, published: str, kind: str):
    (event,) = events(text, published, kind)
    return event


# ---- a bare surname: the person of that name in office at the date --------------------------------

@pytest.mark.parametrize("text,published,kind,actors", [
    # the second party of a meeting named by surname alone (was: Kim dropped)
    ("Trump met Kim in Hanoi on Wednesday.", "2019-03-01", "summit", ["Donald Trump", "Kim Jong-un"]),
    ("Putin held talks with Kim in Vladivostok on Thursday.", "2019-04-27", "talks", ["Vladimir Putin", "Kim Jong-un"]),
    # the same surname a decade earlier is the leader of that time
    ("Bill Clinton met Kim in Pyongyang on Tuesday.", "2009-08-06", "summit", ["Kim Jong-il"]),
])
def test_a_bare_surname_is_the_office_holder_at_the_date(text, published, kind, actors):
    got = only(text, published, kind).actors
    assert [a for a in got if a in ("Donald Trump", "Vladimir Putin", "Kim Jong-un", "Kim Jong-il")] == actors


def test_a_bare_surname_two_office_holders_share_is_no_guess():
    # in 2000 a Kim led each Korea: 'Kim' alone names neither
    assert [m.actor for m in actor_finder().find("Albright met Kim on Monday.", date(2000, 10, 25))] == []
    assert [m.actor for m in actor_finder().find("Albright met Kim on Monday.", date(2009, 8, 6))] == ["Kim Jong-il"]


@pytest.mark.parametrize("text", [
    "U.S. envoy Sung Kim arrived in Seoul on Monday. Kim met officials of the foreign ministry on Tuesday.",
    "The delegation was led by Kim Sang-hoon on Monday. Kim told reporters on Tuesday that talks went well.",
])
def test_a_surname_after_an_unknown_person_of_that_name_is_theirs(text):
    names = {m.actor for m in actor_finder().find(text, date(2021, 6, 22))}
    assert "Kim Jong-un" not in names


# ---- both Koreas -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text,kind", [
    # a sentence that opens with the compound (was: one Korea, or none)
    ("The two Koreas agreed on Friday to reopen their border hotline.", "agreement"),
    ("Both Koreas signed a declaration on military tension on Sept. 19.", "agreement"),
])
def test_the_two_koreas_opening_a_sentence_are_both_parties(text, kind):
    assert sorted(only(text, "2018-09-21", kind).states) == ["North Korea", "South Korea"]


@pytest.mark.parametrize("text", [
    # 'the two Koreas' that name where a meeting was held (was: South Korea added)
    "Trump met Kim Jong Un on Sunday in the demilitarized zone dividing the two Koreas.",
    "Donald Trump met Kim Jong Un on Sunday at the truce village on the border between the two Koreas.",
])
def test_the_two_koreas_as_a_place_are_no_party(text):
    assert "South Korea" not in only(text, "2019-07-01", "summit").states


# ---- KCNA's spelling and datelines ------------------------------------------------------------------

@pytest.mark.parametrize("text,published,states", [
    ("The U.S.-south Korea joint air drill was started on Monday near the border.", "2022-11-02", ["South Korea", "United States"]),
    ("The south Korean puppet army staged an artillery drill near the border on Tuesday.", "2023-01-05", ["South Korea"]),
])
def test_kcnas_lower_case_south_korea_is_south_korea(text, published, states):
    assert sorted(only(text, published, "military_drill").states) == states


@pytest.mark.parametrize("text", [
    "SEOUL, South Korea (AP) \u2014 North Korea fired a ballistic missile into the sea on Tuesday.",
    "TOKYO, Japan >> North Korea fired two cruise missiles off its west coast on Tuesday.",
])
def test_a_datelines_state_is_no_actor(text):
    assert only(text, "2023-03-15", "missile_test").states == ["North Korea"]
