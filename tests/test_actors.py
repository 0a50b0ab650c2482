"""Actor mentions: gazetteer names and aliases, demonyms, compounds, people -> states, other countries."""

import pytest

from kpolicy.extract.actors import actor_finder


@pytest.fixture(scope="module")
def finder():
    return actor_finder()


def actors(finder, text):
    return [(m.text, m.actor) for m in finder.find(text)]


def test_aliases_and_demonyms(finder):
    assert actors(finder, "Pyongyang told the DPRK's Chinese and North Korean partners") == [
        ("Pyongyang", "North Korea"), ("DPRK", "North Korea"), ("Chinese", "China"), ("North Korean", "North Korea")]


def test_compounds(finder):
    found = actors(finder, "inter-Korean ties, U.S.-North Korea talks and the Kim-Trump summit; the two Koreas")
    assert found == [
        ("inter-Korean", "North Korea"), ("inter-Korean", "South Korea"),
        ("U.S.", "United States"), ("North Korea", "North Korea"),
        ("Kim", "Kim Jong-un"), ("Trump", "Donald Trump"),
        ("the two Koreas", "North Korea"), ("the two Koreas", "South Korea"),
    ]


def test_people_map_to_their_states_and_surnames_follow_the_full_name(finder):
    text = "Unification Minister Kim Yeon-chul spoke. Kim said talks were needed."
    found = actors(finder, text)
    assert found == [("Kim Yeon-chul", "Kim Yeon-chul"), ("Kim", "Kim Yeon-chul")]
    assert finder.state_of("Kim Yeon-chul") == "South Korea"
    assert finder.state_of("WPK Politburo") == "North Korea"
    assert finder.state_of("UN Panel of Experts") == "United Nations Security Council"


def test_typographic_apostrophes_are_folded(finder):
    assert actors(finder, "the Workers’ Party of Korea") == [("Workers’ Party of Korea", "Workers' Party of Korea")]


def test_the_north_only_with_north_korea_in_context(finder):
    assert actors(finder, "The talks in the north of the city stalled; the North was silent.") == []
    assert ("the North", "North Korea") in actors(finder, "North Korea fired. Then the North was silent.")


def test_countries_beyond_the_gazetteer_via_pycountry(finder):
    found = actors(finder, "Iran, Germany and Mongolian and Syrian officials, and the Philippines")
    assert [a for _, a in found] == ["Iran", "Germany", "Mongolia", "Syria", "Philippines"]
    assert finder.state_of("Germany") == "Germany"


def test_groups_named_as_one_and_things_named_inter_korean(finder):
    actors = lambda text: sorted({m.actor for m in finder.find(text)})  # noqa: E731
    assert actors("North and South Korea agreed to talk.") == ["North Korea", "South Korea"]
    assert actors("South and North Korea held talks.") == ["North Korea", "South Korea"]
    assert actors("North Korea returned to the six-party talks.") == sorted(
        ["China", "Japan", "North Korea", "Russia", "South Korea", "United States"])
    assert actors("North Korea blew up the inter-Korean liaison office.") == ["North Korea"]
    assert actors("The inter-Korean summit was held.") == ["North Korea", "South Korea"]


def test_a_datelines_city_is_where_it_was_written_not_an_actor(finder):
    text = "Seoul, Dec 1 (EFE).- The North Korean Workers' Party will hold a plenary session."
    assert "South Korea" not in {m.actor for m in finder.find(text)}
    assert "South Korea" in {m.actor for m in finder.find("Seoul said on Dec 1 (Monday) it would respond.")}


@pytest.mark.parametrize("text,state", [
    ("an Israeli official", "Israel"), ("Iraqi forces", "Iraq"), ("a Pakistani envoy", "Pakistan"), ("Polish troops", "Poland"),
    ("the Dutch government", "Netherlands"), ("a Thai court", "Thailand"),
])
def test_irregular_demonyms(finder, text, state):
    assert [m.actor for m in finder.find(text)] == [state]


@pytest.mark.parametrize("text,surname,actor", [
    # an official the gazetteer lacks, introduced with a state and a title: a later bare family name is that state's
    ("Australian Foreign Minister Penny Wong spoke first. Wong later told reporters the talks had been useful.", "Wong", "Australia"),
    ("Indian Defence Minister Rajnath Singh arrived in Tokyo. On Friday, Singh met his Japanese counterpart.", "Singh", "India"),
])
def test_a_titled_strangers_family_name_speaks_for_their_state(finder, text, surname, actor):
    later = text.index(surname, text.index(surname) + 1)
    assert (surname, actor) in [(m.text, m.actor) for m in finder.find(text) if m.start == later]


@pytest.mark.parametrize("text,pair", [
    # 'the two countries' are the last two states named before them
    ("A Chinese trawler rammed a Philippine patrol boat, which worsened the dispute between the two countries.",
     ["China", "Philippines"]),
    ("Shinzo Abe met Vladimir Putin in Sochi. The two governments agreed to keep talking about the islands.", ["Japan", "Russia"]),
])
def test_the_two_countries_are_the_last_two_named(finder, text, pair):
    assert sorted(m.actor for m in finder.find(text) if m.text.lower().startswith("the two")) == pair


@pytest.mark.parametrize("text", [
    # the UN's panel on North Korea in lower case is that panel, not the United Nations at large
    "The UN panel of experts said on Tuesday that the sanctions were evaded.",
    "A U.N. panel of experts found new violations.",
])
def test_the_un_panel_in_lower_case(finder, text):
    assert [m.actor for m in finder.find(text)] == ["UN Panel of Experts"]


@pytest.mark.parametrize("text,absent", [
    # a party's short name inside another party's longer name is not that party (was: the Democratic Party of Korea)
    ("Ishiba leads the Liberal Democratic Party, which will elect a new chief on Oct. 4.", "Democratic Party of Korea"),
    ("The U.S. Democratic Party picked its candidate on Tuesday.", "Democratic Party of Korea"),
])
def test_a_short_party_name_inside_a_longer_one(finder, text, absent):
    assert absent not in [m.actor for m in finder.find(text)]


def test_a_short_party_name_after_a_lowercase_word_is_the_party(finder):
    assert "Democratic Party of Korea" in [m.actor for m in finder.find("The main opposition Democratic Party won the vote.")]
