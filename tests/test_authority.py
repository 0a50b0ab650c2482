"""The authority file (data/authority.yaml over data/gazetteer.yaml): ids, terms, aliases, and
role words resolved to the holder at the event's date."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from kpolicy.authority import load_gazetteer
from kpolicy.authority.gazetteer import apply_authority, bundled_authority_path, parse_gazetteer
from kpolicy.errors import BadInput
from kpolicy.extract import extract_events


@pytest.fixture(scope="module")
def g():
    return load_gazetteer()


def test_every_person_has_a_checked_wikidata_id_or_is_counted_as_unconfirmed(g):
    people = {n: e for n, e in g.actors.items() if e.kind == "person"}
    assert sorted(n for n, e in people.items() if not e.wikidata) == g.unconfirmed
    assert "Yon Hyong-muk" in g.unconfirmed and "Park Geun-hye" not in g.unconfirmed
    assert g.actors["Moon Jae-in"].wikidata == "Q21001" and "Moon Jae-in" not in g.unconfirmed
    assert g.actors["North Korea"].wikidata == "Q423" and g.actors["Kim Jong-un"].wikidata == "Q56226"
    assert g.actors["Park Geun-hye"].wikidata == "Q138048" and g.actors["Junichiro Koizumi"].wikidata == "Q130852"


# ids written before sources were recorded per entry (data/authority.yaml's header says how
# they were checked); every id added since names the stored copy it was checked against
IDS_WITHOUT_A_RECORDED_SOURCE = {
    "António Guterres", "Ban Ki-moon", "Boris Yeltsin", "Dmitry Medvedev", "George H. W. Bush", "Junichiro Koizumi", "Kim Jong-un", "Kofi Annan", "Lee Myung-bak",
    "Park Geun-hye", "Shinzo Abe", "Vladimir Putin", "Volodymyr Zelenskyy", "Xi Jinping",
}


def test_every_person_id_added_since_names_the_copy_it_was_checked_against(g):
    for e in g.actors.values():
        if e.kind == "person" and e.wikidata and e.name not in IDS_WITHOUT_A_RECORDED_SOURCE:
            assert e.wikidata_source, f"{e.name}: {e.wikidata} has no wikidata_source"
            repo, _, rest = e.wikidata_source.partition(" ")
            assert repo.count("/") == 1 and "@" in rest, f"{e.name}: {e.wikidata_source!r} is not 'owner/repo path@commit'"


def test_at_least_150_people_have_a_checked_wikidata_id(g):
    people = [e for e in g.actors.values() if e.kind == "person"]
    assert sum(1 for e in people if e.wikidata) >= 150
    # an id written from memory and found wrong against the stored copy (Q7426 is not her item)
    assert g.actors["Condoleezza Rice"].wikidata == "Q47216"


def test_a_wikidata_source_without_an_id_is_refused():
    doc = {"actors": {"Kim Myong-gil": {"kind": "person", "parent": "North Korea", "wikidata_source": "a/b c@d"}}}
    with pytest.raises(BadInput, match="wikidata_source but no Wikidata id"):
        apply_authority(parse_gazetteer(yaml.safe_load(open(bundled_authority_path().with_name("gazetteer.yaml"))), "g"), doc, "a")


def test_a_term_keeps_the_copy_its_dates_were_checked_against(g):
    doc = {"actors": {}, "offices": [{"name": "Leader", "state": "North Korea", "holders": [
        {"actor": "Kim Jong-un", "from": "2011-12-18", "source": " every-politician-scrapers/north-korea html/holders21.csv@0123abc "}]}]}
    term = apply_authority(_gazetteer(), doc, "a").offices["Leader"].holders[0]
    assert term.source == "every-politician-scrapers/north-korea html/holders21.csv@0123abc"
    # the citation is not part of the term: the same dates from the database are the same term
    assert term == type(term)("Kim Jong-un", date(2011, 12, 18))
    cited = [t for o in g.offices.values() for t in o.holders if t.source]
    assert len(cited) >= 130  # data/authority.yaml's header says which and how they were compared
    for t in cited:
        repo, _, rest = t.source.partition(" ")
        assert repo.count("/") == 1 and "@" in rest, f"{t.actor}: {t.source!r} is not 'owner/repo path@commit'"


def test_the_cast_from_1990_on_holds_its_offices(g):
    people = [e for e in g.actors.values() if e.kind == "person"]
    assert len(people) >= 230
    holders = {t.actor for o in g.offices.values() for t in o.holders}
    assert len(holders) >= 200
    for office in ("Prime Minister of South Korea", "Unification Minister of South Korea", "Defense Minister of South Korea",
                   "Premier of North Korea", "Foreign Minister of North Korea", "United States Secretary of Defense",
                   "United States Special Representative for North Korea Policy", "Premier of China", "Foreign Minister of China",
                   "Foreign Minister of Japan", "Defense Minister of Japan", "Prime Minister of Russia", "Foreign Minister of Russia"):
        assert office in g.offices and len(g.offices[office].holders) >= 2, office
    assert g.actors["Lee Myung-bak"].native == "이명박" and g.actor("이명박") == "Lee Myung-bak"


@pytest.mark.parametrize("office, day, holder", [
    ("President of South Korea", "2017-05-09", "Hwang Kyo-ahn"),  # acting, after Park's impeachment
    ("President of South Korea", "2017-05-10", "Moon Jae-in"),
    ("President of South Korea", "2017-06-01", "Moon Jae-in"),
    ("President of South Korea", "2022-05-09", "Moon Jae-in"),
    ("President of South Korea", "2022-05-10", "Yoon Suk-yeol"),
    ("President of South Korea", "2010-01-01", "Lee Myung-bak"),
    ("President of South Korea", "1995-01-01", "Kim Young-sam"),
    ("Prime Minister of Japan", "2020-09-15", "Shinzo Abe"),
    ("Prime Minister of Japan", "2020-09-16", "Yoshihide Suga"),
    ("Prime Minister of Japan", "2021-10-03", "Yoshihide Suga"),
    ("Prime Minister of Japan", "2021-10-04", "Fumio Kishida"),
    ("Prime Minister of Japan", "2024-10-01", "Shigeru Ishiba"),
    ("President of the United States", "2021-01-19", "Donald Trump"),
    ("President of the United States", "2021-01-20", "Joe Biden"),
    ("President of the United States", "2025-01-19", "Joe Biden"),
    ("President of the United States", "2025-01-20", "Donald Trump"),
    ("United States Secretary of State", "2018-05-09", "Mike Pompeo"),
    ("Unification Minister of South Korea", "2019-06-30", "Kim Yeon-chul"),
    ("Foreign Minister of North Korea", "2023-01-01", "Choe Son-hui"),
    ("Premier of China", "2020-05-22", "Li Keqiang"),
    ("Defence Minister of Russia", "2023-06-01", "Sergei Shoigu"),
    ("Defence Minister of Russia", "2024-06-01", "Andrei Belousov"),
    # dates written from memory, fixed where two copies agreed against them: Kasyanov from
    # Putin's inauguration (not his confirmation on 17 May), Fradkov until Zubkov's appointment
    ("Prime Minister of Russia", "2000-05-06", "Vladimir Putin"),
    ("Prime Minister of Russia", "2000-05-10", "Mikhail Kasyanov"),
    ("Prime Minister of Russia", "2007-09-13", "Mikhail Fradkov"),
    ("Prime Minister of Russia", "2007-09-14", "Viktor Zubkov"),
    ("Premier of North Korea", "1998-09-05", "Hong Song-nam"),
])
def test_an_office_names_its_holder_on_each_side_of_a_transition(g, office, day, holder):
    d = date.fromisoformat(day)
    assert g.office_holder(office, d, d).actor == holder


def test_a_gap_between_holders_names_the_office_only(g):
    # Yoon's defence minister resigned on 2024-12-05; the next minister took office in July 2025
    assert g.office_holder("Defense Minister of South Korea", date(2025, 2, 1), date(2025, 2, 1)) is None
    assert g.office_holder("Prime Minister of Japan", date(2020, 1, 1), date(2020, 12, 31)) is None  # Abe and Suga


def test_korean_names_are_found_in_every_hyphenation(g):
    from kpolicy.authority.gazetteer import hyphen_variants
    assert hyphen_variants("Kim Jong-un") == ["Kim Jong Un", "Kim Jong-Un"]
    assert hyphen_variants("Xi Jinping") == [] and hyphen_variants("Linda Thomas-Greenfield") == ["Linda Thomas Greenfield", "Linda Thomas-Greenfield"]
    assert g.actor("Moon Jae In") == g.actor("Moon Jae-In") == "Moon Jae-in"
    assert g.actor("Kwon Young Se") == "Kwon Young-se"
    assert g.actor("Linda Thomas Greenfield") is None  # variants only for the Koreas' people


def test_ids_are_unique_and_well_formed(g):
    ids = [e.wikidata for e in g.actors.values() if e.wikidata]
    assert len(ids) == len(set(ids))
    assert all(i[0] == "Q" and i[1:].isdigit() for i in ids)


def test_office_terms_do_not_overlap_and_fall_inside_their_holders_lives(g):
    for office in g.offices.values():
        terms = sorted(office.holders, key=lambda t: t.start)
        for a, b in zip(terms, terms[1:]):
            assert a.end is not None and a.end < b.start, f"{office.name}: {a} overlaps {b}"
        for t in terms:
            person = g.actors[t.actor]
            assert not person.born or person.born <= t.start
            assert not person.died or (t.end is not None and t.end <= person.died)


def test_aliases_are_unique_across_actors(g):
    owner = {}
    for e in g.actors.values():
        for form in {f.lower() for f in (e.name, *e.aliases, *e.adjectives)}:
            assert owner.setdefault(form, e.name) == e.name, f"{form!r}: {owner[form]} and {e.name}"


def test_the_holder_at_a_date_and_never_a_guess(g):
    office = "President of South Korea"
    assert g.office_holder(office, date(2019, 6, 30), date(2019, 6, 30)).actor == "Moon Jae-in"
    assert g.office_holder(office, date(2023, 8, 18), date(2023, 8, 18)).actor == "Yoon Suk-yeol"
    acting = g.office_holder(office, date(2025, 1, 15), date(2025, 1, 15))
    assert (acting.actor, acting.acting) == ("Choi Sang-mok", True)
    # acting premier from February 1997 until the SPA named him premier (Wikipedia and Wikidata)
    hong = g.office_holder("Premier of North Korea", date(1998, 9, 4), date(1998, 9, 4))
    assert (hong.actor, hong.acting) == ("Hong Song-nam", True)
    assert not g.office_holder("Premier of North Korea", date(1998, 9, 5), date(1998, 9, 5)).acting
    assert g.office_holder(office, date(2022, 1, 1), date(2022, 12, 31)) is None  # two holders that year
    assert g.office_holder(office, None, None) is None
    assert g.office_holder("Secretary-General of the United Nations", date(2010, 3, 1), date(2010, 3, 1)).actor == "Ban Ki-moon"


ARTICLE = """On June 30, 2019, the South Korean president met the North's leader at Panmunjom.

On August 18, 2023, the South Korean president held a summit with the U.S. president at Camp David.

On January 15, 2025, Seoul's president held talks with the Secretary-General in Seoul.

In 2022, the South Korean president called for talks with the ruling party.
"""


def test_role_words_name_the_holder_at_each_events_date():
    events = {e.date.edtf: e for e in extract_events(ARTICLE, date(2025, 2, 1))}
    first = events["2019-06-30"]
    assert first.actors == ["President of South Korea", "Moon Jae-in", "Supreme Leader of North Korea", "Kim Jong-un"]
    assert first.states == ["South Korea", "North Korea"]
    second = events["2023-08-18"]
    assert second.actors == ["President of South Korea", "Yoon Suk-yeol", "President of the United States", "Joe Biden"]
    third = events["2025-01-15"]
    assert {"office": "President of South Korea", "holder": "Choi Sang-mok", "acting": True} in third.offices
    assert {"office": "Secretary-General of the United Nations", "holder": "António Guterres", "acting": False} in third.offices
    # a year two presidents (and two ruling parties) shared: the office, no person
    vague = [e for e in extract_events(ARTICLE, date(2025, 2, 1)) if e.date.edtf == "2022"]
    assert vague and not any({"Moon Jae-in", "Yoon Suk-yeol", "People Power Party"} & set(e.actors) for e in vague)
    offices = [o for e in vague for o in e.offices]
    assert {"office": "President of South Korea", "holder": None, "acting": False} in offices
    assert {"office": "Ruling party of South Korea", "holder": None, "acting": False} in offices


def _gazetteer():
    return parse_gazetteer({"actors": [{"name": "North Korea", "kind": "state"}, {"name": "Kim Jong-un", "kind": "person",
                                        "parent": "North Korea", "aliases": ["Kim Jong Un"]}]}, "test")


@pytest.mark.parametrize("doc, words", [
    ({"actors": {"North Korea": {"wikidata": "Q423"}, "Kim Jong-un": {"wikidata": "Q423"}}}, "Q423 is given to both"),
    ({"actors": {"North Korea": {"wikidata": "423"}}}, "Q and digits"),
    ({"actors": {"North Korea": {"aliases": ["Kim Jong Un"]}}}, "is both"),
    ({"actors": {"Kim Yo-jong": {"kind": "person", "parent": "Nowhere", "wikidata": "Q1"}}}, "unknown parent 'Nowhere'"),
    ({"actors": {" \t": {"kind": "person", "wikidata": "Q1"}}}, "not a name"),
    ({"actors": {"Kim\x07": {"kind": "person", "wikidata": "Q1"}}}, "not a name"),
    ({"actors": {}, "offices": [{"name": "Leader", "state": "North Korea", "holders": [
        {"actor": "Kim Jong-un", "from": "2011-12-18"}, {"actor": "North Korea", "from": "2012-01-01", "to": "2013-01-01"}]}]},
     "overlaps Kim Jong-un's"),
    ({"actors": {"Kim Jong-un": {"born": "1984-01-08"}}, "offices": [{"name": "Leader", "state": "North Korea", "holders": [
        {"actor": "Kim Jong-un", "from": "1980-01-01"}]}]}, "outside their life"),
    ({"actors": {}, "offices": [{"name": "Leader", "state": "North Korea", "holders": [{"actor": "Nobody"}]}]}, "unknown holder"),
    ({"actors": {}, "offices": [{"name": "Leader", "state": "North Korea", "holders": [
        {"actor": "Kim Jong-un", "from": "2011-12-18", "source": "  "}]}]}, "empty source"),
])
def test_bad_authority_input_is_one_line_naming_the_conflict(doc, words):
    with pytest.raises(BadInput) as info:
        apply_authority(_gazetteer(), doc, "test")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_a_bare_surname_names_the_leader_among_its_office_holders():
    from kpolicy.extract.actors import actor_finder

    def found(text, day):
        return [m.actor for m in actor_finder().find(text, day)]
    # in 2015 Kim Jong-un led and Kim Yong-nam was the nominal head of state: the leader
    assert found("Obama warned Kim on Monday.", date(2015, 3, 2)) == ["Barack Obama", "Kim Jong-un"]
    # Chinese names put the family name first: 'Xi' is Xi Jinping, 'Li' the premier of the day
    assert found("Abe met Xi and Li on Friday.", date(2018, 10, 26)) == ["Shinzo Abe", "Xi Jinping", "Li Keqiang"]
    assert found("Kishida met Li on Monday.", date(2023, 5, 1)) == ["Fumio Kishida", "Li Qiang"]
    # two people of the name in offices of the same rank: no guess
    assert found("Albright met Kim on Monday.", date(2000, 10, 25)) == ["Madeleine Albright"]


def test_an_office_rank_is_one_two_or_three():
    with pytest.raises(BadInput) as info:
        apply_authority(_gazetteer(), {"actors": {}, "offices": [{"name": "Leader", "state": "North Korea", "rank": 0}]}, "test")
    assert "rank 0" in str(info.value)


def test_armed_forces_are_their_own_kind_and_belong_to_their_state(g):
    from kpolicy.vocabulary import ACTOR_KINDS

    assert "armed_force" in ACTOR_KINDS
    for name, state in [("Korean People's Army", "North Korea"), ("US Forces Korea", "United States"),
                        ("Republic of Korea Armed Forces", "South Korea"), ("Japan Self-Defense Forces", "Japan"),
                        ("People's Liberation Army", "China"), ("Russian Armed Forces", "Russia")]:
        assert g.actors[name].kind == "armed_force" and g.top_state(name) == state, name
    assert g.actor("USFK") == "US Forces Korea" and g.actor("JSDF") == "Japan Self-Defense Forces"
    assert g.actor("ROK Armed Forces") == "Republic of Korea Armed Forces" and g.actor("KPA") == "Korean People's Army"


def test_armed_forces_are_found_in_a_text_and_their_state_is_the_events():
    text = "On March 4, 2024, the North Korean military fired two ballistic missiles into the East Sea, the South Korean military said."
    [event] = extract_events(text, date(2024, 3, 5))
    assert (event.type, event.actors, event.states) == ("missile_test", ["Korean People's Army"], ["North Korea"])
    from kpolicy.extract.actors import actor_finder

    found = [m.actor for m in actor_finder().find("South Korean troops and the JSDF drilled with the U.S. military.")]
    assert found == ["Republic of Korea Armed Forces", "Japan Self-Defense Forces", "United States Armed Forces"]


@pytest.mark.parametrize("text, published, party", [
    ("North Korea said on Monday that the ruling party will convene a plenary meeting in Pyongyang on June 10, 2024.",
     "2024-06-03", "Workers' Party of Korea"),
    ("South Korea's President Yoon Suk-yeol met the ruling party leadership in Seoul on August 3, 2023.",
     "2023-08-04", "People Power Party"),
    ("South Korea's President Moon Jae-in met the ruling party leadership in Seoul on August 3, 2019.",
     "2019-08-04", "Democratic Party of Korea"),
])
def test_the_ruling_party_is_the_ruling_party_of_the_texts_state_at_the_date(text, published, party):
    events = extract_events(text, date.fromisoformat(published))
    named = [e for e in events if any(o["office"].startswith("Ruling party of") for o in e.offices)]
    assert named and party in named[0].actors
    assert {"office": f"Ruling party of {g_state(party)}", "holder": party, "acting": False} in named[0].offices


def g_state(party):
    return "North Korea" if party == "Workers' Party of Korea" else "South Korea"


def test_the_ruling_party_of_two_states_named_as_often_is_no_guess():
    from kpolicy.extract.actors import actor_finder

    both = "North Korea and South Korea traded accusations. The ruling party called for calm."
    assert [m.actor for m in actor_finder().find(both, date(2024, 3, 5))] == ["North Korea", "South Korea"]
    alone = "The ruling party called for calm."  # no state named: no guess
    assert actor_finder().find(alone, date(2024, 3, 5)) == []
    # the North's ruling party, named by its state: the role phrase, no context needed
    assert [m.actor for m in actor_finder().find("the North's ruling party met.", date(2024, 3, 5))] == ["Ruling party of North Korea"]
