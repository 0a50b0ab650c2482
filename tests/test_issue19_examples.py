"""Issue 19's first-contact examples, each in our own words and once more in a second sentence of
the same phrasing class: the right answer, or no event. (The datelines are in
tests/test_publication.py, the year-less chronology headings in tests/test_regression_set.py,
the re-resolution after `sources edit` in tests/test_curate.py.)"""

from __future__ import annotations

from datetime import date

import pytest

from kpolicy.extract import extract_events


def events(text: str, published: str):
    return extract_events(text, date.fromisoformat(published))


# ---- item 5: clause tense and mood decide past vs future ------------------------------------

@pytest.mark.parametrize("text,published,expected", [
    # a past lead's weekday points back (was: the next Sunday, an expected event)
    ("Donald Trump became the first sitting American president to set foot in North Korea on Sunday, "
     "when he met Kim Jong Un at the border.", "2019-07-01", ("summit", "2019-06-30", "occurred")),
    ("Xi Jinping became the first Chinese leader in 14 years to visit Pyongyang on Thursday, "
     "when he met Kim Jong Un for talks.", "2019-06-22", ("summit", "2019-06-20", "occurred")),
    # what a clause looks ahead to comes after it (was: last April, occurred)
    ("Defections rose ahead of South Korea's parliamentary elections in April.", "2024-01-16",
     ("election", "2024-04", "expected")),
    ("The parties are preparing for Japan's upper house elections in July.", "2022-03-10",
     ("election", "2022-07", "expected")),
    # a future clause with 'next month'
    ("Chinese President Xi Jinping will visit Pyongyang next month, state media said.", "2019-05-20",
     ("summit", "2019-06", "expected")),
    ("Kim Jong Un will travel to Russia next month for talks with Vladimir Putin.", "2023-08-10",
     ("talks", "2023-09", "expected")),
])
def test_tense_and_mood_decide_the_direction_of_a_relative_date(text, published, expected):
    got = [(e.type, e.date.edtf, e.status) for e in events(text, published)]
    assert expected in got, got


# ---- actors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,published,actors", [
    # a square named after a person is a place, not a party (was: the actor Kim Il-sung)
    ("Crowds gathered in Kim Il Sung Square in Pyongyang on Wednesday, where Kim Jong Un met Putin.", "2024-06-20",
     ["Kim Jong-un", "Vladimir Putin"]),
    ("Thousands lined Kim Il Sung Square on Tuesday, where Xi Jinping met Kim Jong Un for talks.", "2019-06-22",
     ["Xi Jinping", "Kim Jong-un"]),
])
def test_a_place_named_after_a_leader_is_no_party(text, published, actors):
    (summit,) = [e for e in events(text, published) if e.type == "summit"]
    assert summit.actors == actors


@pytest.mark.parametrize("text,published", [
    # the launcher is the clause's subject, not a state named in the sentence before (was: Russia)
    ("Russia's defence minister was in Pyongyang on Monday. On Wednesday, North Korea fired two SRBMs into the sea.", "2023-07-28"),
    ("China's foreign minister arrived in Seoul on Friday. On Sunday, North Korea fired a cruise missile off its west coast.", "2023-09-20"),
])
def test_the_launcher_is_the_subject_of_its_own_sentence(text, published):
    (launch,) = [e for e in events(text, published) if e.type == "missile_test"]
    assert launch.actors == ["North Korea"]


@pytest.mark.parametrize("text,published", [
    # the speaker is the one who speaks, not the state the speech is about (was: 'South Korea issues speech')
    ("Kim Jong Un delivered a speech to the Supreme People's Assembly on Monday, calling South Korea the principal enemy.", "2024-01-16"),
    ("Kim Jong Un gave a speech at a party meeting on Friday, describing the United States as a hostile state.", "2023-12-31"),
])
def test_a_speech_is_its_speakers(text, published):
    (speech,) = [e for e in events(text, published) if e.type == "statement"]
    assert speech.actors == ["Kim Jong-un"]


# ---- events that are none ------------------------------------------------------------------------

@pytest.mark.parametrize("text,published", [
    # 'each later test': a quantified mention names no one test (was: a 2017 test by the Security Council)
    ("The Security Council first imposed sanctions after the North's first nuclear test, and tightened them "
     "after each later test until 2017.", "2023-05-01"),
    ("Washington added names to its blacklist after every missile launch until 2019.", "2021-05-01"),
])
def test_a_quantified_mention_is_no_event(text, published):
    assert not [e for e in events(text, published) if e.type in ("missile_test", "nuclear_test", "weapon_test")]


# ---- distinct events stay distinct -------------------------------------------------------------

@pytest.mark.parametrize("text,published,dates", [
    # a meeting at the G20 in Osaka is not the Hanoi summit (was: merged into it)
    ("Trump met Xi Jinping in June while he was attending the G20 summit in Osaka. "
     "Trump and Kim Jong Un held their second summit in Hanoi in February.", "2019-07-05", ["2019-06", "2019-02"]),
    ("Moon Jae-in met Shinzo Abe in December while he was attending a trilateral summit in Chengdu. "
     "Moon and Kim Jong Un held their third summit in Pyongyang in September.", "2020-01-10", ["2019-12", "2019-09"]),
])
def test_a_meeting_on_the_sidelines_of_another_summit_stays_its_own_event(text, published, dates):
    summits = [e.date.edtf for e in events(text, published) if e.type == "summit"]
    assert sorted(summits) == sorted(dates)


@pytest.mark.parametrize("text,published", [
    # a launch during a visit is a launch, not part of the summit (was: merged into the Kim-Putin summit)
    ("Putin and Kim Jong Un held a summit on Wednesday. On Wednesday morning, hours before the summit, North Korea fired two short-range ballistic missiles.", "2023-09-14"),
    ("Xi Jinping and Kim Jong Un held talks in Beijing on Tuesday. On the same day North Korea fired a cruise missile into the sea.", "2019-01-10"),
])
def test_a_launch_during_a_summit_stays_a_launch(text, published):
    types = [e.type for e in events(text, published)]
    assert "missile_test" in types and any(t in ("summit", "talks") for t in types), types


@pytest.mark.parametrize("text,published,title", [
    # a headline-cased verb becomes the title's present tense (was: 'North Korea Fireds Two Ballistic Missiles')
    ("North Korea Fired Two Ballistic Missiles Into the East Sea on Monday, the military said.", "2023-03-15",
     "North Korea fires Two Ballistic Missiles"),
    ("Japan Launched a Spy Satellite on Tuesday from Tanegashima.", "2023-03-15", "Japan launches Spy Satellite"),
])
def test_a_capitalised_verb_gets_a_headline_present(text, published, title):
    assert [e.title for e in events(text, published)] == [title]


@pytest.mark.parametrize("text,published", [
    # a clock time or a number with a comma is no clause boundary (was: 'the JCS said' split off as a statement)
    ("North Korea fired a ballistic missile at 06:01 on Monday, the Joint Chiefs of Staff said, and it flew about 500 km.", "2023-03-15"),
    ("North Korea launched a cruise missile that flew 1,500 km on Tuesday, the Defence Ministry said.", "2023-03-15"),
])
def test_a_number_with_a_colon_or_comma_is_no_clause_boundary(text, published):
    assert [e.type for e in events(text, published)] == ["missile_test"]
