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
    def kims(day):
        return [m.actor for m in actor_finder().find("Albright met Kim on Monday.", day) if m.text == "Kim"]
    assert kims(date(2000, 10, 25)) == []
    assert kims(date(2009, 8, 6)) == ["Kim Jong-il"]
    # Albright was Secretary of State in 2000, not in 2009
    assert [m.actor for m in actor_finder().find("Albright met Kim on Monday.", date(2000, 10, 25))] == ["Madeleine Albright"]


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


# ---- an event noun's own modifiers name its actors -------------------------------------------------

@pytest.mark.parametrize("text,published,kind", [
    # the speakers around the test noun are no testers (was: the United States, Japan and South Korea too)
    ("The president of the United States on Tuesday discussed with his Japanese and South Korean counterparts "
     "Pyongyang's new intercontinental ballistic missile launch.", "2017-11-29", "missile_test"),
    ("Seoul and Washington on Monday weighed their answer to the North Korean missile launch of Sunday.", "2022-05-09", "missile_test"),
    # 'its': the nearest actor named before it, not the body that punished the test (was: the Security Council)
    ("The Security Council tightened sanctions on North Korea last week over its nuclear test on Jan. 6.", "2016-03-10", "nuclear_test"),
    ("Japan approved new sanctions against North Korea on Friday in response to its rocket launch on Feb. 7.", "2016-02-19", "missile_test"),
])
def test_the_tester_is_the_one_the_test_noun_names(text, published, kind):
    assert only(text, published, kind).states == ["North Korea"]


@pytest.mark.parametrize("text,published,speaker", [
    ("China said on Wednesday it had studied the DPRK's statement of Tuesday with care.", "2006-10-04", "North Korea"),
    ("Officials in Tokyo on Monday dismissed Moscow's declaration of Sunday as propaganda.", "2022-09-26", "Russia"),
])
def test_a_possessive_before_a_statement_noun_is_its_speaker(text, published, speaker):
    statements = events(text, published, "statement")
    assert [speaker] in [e.states for e in statements]


@pytest.mark.parametrize("text,kind", [
    # the parts of a compound modify a noun: no 'its' refers to them (was: South Korea's nuclear test)
    ("North Korea shut the plant in April, citing U.S.-South Korean drills and the sanctions after its nuclear test in February.",
     "nuclear_test"),
    ("In March, North Korea cut the hotline over U.S.-Japanese exercises and the penalties that followed its missile launch in January.",
     "missile_test"),
])
def test_a_compound_is_no_antecedent_of_its(text, kind):
    assert only(text, "2013-08-14", kind).states == ["North Korea"]


def test_a_demonym_is_no_antecedent_of_its():
    # 'North Korean individuals ... its list': the list is the European Union's
    assert only("The European Union added eight North Korean individuals to its sanctions list on Monday.", "2022-05-27",
                "sanctions").roles["European Union"] == "initiator"


@pytest.mark.parametrize("text,published,kind", [
    # the test is North Korea's, the words about it Japan's (was: 'Shinzo Abe conducts nuclear test')
    ("North Korea tested a nuclear device on Sunday. Japan's prime minister says the nuclear test of Sunday was unacceptable.",
     "2017-09-03", "nuclear_test"),
    ("North Korea fired a missile on Friday. South Korea condemned the missile launch on Friday as a grave provocation.",
     "2023-04-14", "missile_test"),
])
def test_who_reacts_to_a_test_is_no_tester(text, published, kind):
    assert [e.states for e in events(text, published, kind)] == [["North Korea"]]


# ---- senders and agents ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,sender", [
    # the letter is its sender's (was: Trump issues letter)
    ("Trump received a letter from Kim Jong Un on Thursday.", "Kim Jong-un"),
    ("Moon Jae-in was handed a message from Xi Jinping on Monday.", "Xi Jinping"),
])
def test_a_letter_is_its_senders(text, sender):
    assert only(text, "2019-06-21", "statement").actors == [sender]


@pytest.mark.parametrize("text,published,initiator,target", [
    # 'an attack by X on Y': both, X attacks and Y is attacked (was: the target dropped)
    ("An attack by North Korea on a South Korean island on Tuesday killed four people.", "2010-11-24", "North Korea", "South Korea"),
    ("An attack by Russia on a Ukrainian port on Sunday damaged grain stores.", "2023-07-24", "Russia", "Ukraine"),
])
def test_an_attack_by_one_on_another_has_both(text, published, initiator, target):
    attack = only(text, published, "incident")
    assert attack.roles == {initiator: "initiator", target: "target"}


@pytest.mark.parametrize("text,published,initiator,target", [
    ("Japan imposed sanctions on North Korea on Tuesday.", "2023-03-15", "Japan", "North Korea"),
    ("The United States announced sanctions against Russia on Monday.", "2024-02-27", "United States", "Russia"),
])
def test_sanctions_are_the_imposers_and_their_targets(text, published, initiator, target):
    event = only(text, published, "sanctions")
    assert event.roles == {initiator: "initiator", target: "target"}
    assert event.title.startswith(f"{initiator} ")  # the imposer heads the title, not 'X and Y impose'


# ---- the second party of a meeting ---------------------------------------------------------------------

@pytest.mark.parametrize("text,published,states", [
    # one party named, a host state's city as the venue: the host is the other party (was: one state)
    ("Pompeo held talks in Pyongyang on Saturday.", "2018-07-08", ["United States", "North Korea"]),
    ("Abe held a summit in Beijing on Thursday.", "2018-10-27", ["Japan", "China"]),
])
def test_a_host_venue_is_the_second_party(text, published, states):
    kind = "talks" if "talks" in text else "summit"
    assert only(text, published, kind).states == states


def test_a_neutral_venue_of_two_parties_is_no_party():
    assert only("Trump and Kim met in Singapore on June 12.", "2018-06-13", "summit").states == ["United States", "North Korea"]


@pytest.mark.parametrize("text,published,states", [
    # 'he' after a sentence about Kim is Kim, not the person the clause names next (was: only Trump)
    ("Kim rarely leaves his country. A year earlier, he met Trump in Singapore.", "2019-06-01", ["North Korea", "United States"]),
    ("Kim rarely travels abroad. In 2023, he went to Russia for talks with Putin.", "2024-01-10", ["North Korea", "Russia"]),
    # 'him' is the person named before the sentence's own subject (was: Putin alone)
    ("Kim Jong Il came through the Russian Far East by train in August. On August 23, Putin held talks with him in Vladivostok.",
     "2002-09-01", ["Russia", "North Korea"]),
    ("Xi Jinping landed in Pyongyang on Thursday. On Friday, Kim Jong Un held talks with him at the guest house.",
     "2019-06-22", ["North Korea", "China"]),
])
def test_pronouns_name_the_other_party(text, published, states):
    meetings = [e for e in events(text, published) if e.type in ("summit", "talks")]
    assert sorted(meetings[-1].states) == sorted(states)


# ---- roles for the common patterns -----------------------------------------------------------------------

@pytest.mark.parametrize("text,published,kind,roles", [
    ("North Korea fired two ballistic missiles toward Japan on Sunday.", "2023-03-20", "missile_test", {"North Korea": "initiator"}),
    ("South Korea and the United States held talks in Seoul on Monday.", "2023-03-20", "talks",
     {"South Korea": "participant", "United States": "participant"}),
    ("The United States condemned North Korea on Monday.", "2023-03-20", "statement", {"United States": "initiator"}),
    ("North Korea said on Saturday that the drills were a rehearsal for invasion.", "2023-03-20", "statement", {"North Korea": "initiator"}),
])
def test_roles_of_the_common_patterns(text, published, kind, roles):
    assert only(text, published, kind).roles == roles


# ---- names texts use for a state's seat, organs in lower case, official name order -------------------------

@pytest.mark.parametrize("text,published,kind,states", [
    # the seat of a government speaks for its state (was: the state the words were about)
    ("In an op-ed on Monday, White House adviser Tom Bossert announced that North Korea was behind the attack.", "2017-12-20",
     "statement", ["United States"]),
    ("Cheong Wa Dae announced on Friday that the leaders would meet.", "2019-12-20", "statement", ["South Korea"]),
    # an organ written in lower case (was: North Korea, the subject of the story)
    ("A unification ministry official said on Thursday that the reshuffle was unusual.", "2021-07-01", "statement", ["South Korea"]),
    ("The joint chiefs of staff said on Monday that the North had fired artillery.", "2022-11-14", "statement", ["South Korea"]),
    # a family name in capitals, as Tokyo's and Seoul's official English writes it (was: the second party dropped)
    ("Mr. KISHIDA Fumio held a summit meeting with H.E. Mr. YOON Suk Yeol on Sunday.", "2023-05-08", "meeting", ["Japan", "South Korea"]),
    ("President YOON Suk Yeol met Prime Minister KISHIDA Fumio on Thursday.", "2023-03-17", "meeting", ["South Korea", "Japan"]),
])
def test_other_names_for_known_actors(text, published, kind, states):
    if kind == "meeting":  # a summit or talks: the type is not what this tests
        (event,) = [e for e in events(text, published) if e.type in ("summit", "talks")]
    else:
        event = only(text, published, kind)
    assert event.states == states


@pytest.mark.parametrize("text", [
    # 'the United Nations Charter' is a document; a resolution is the Council's (was: the United Nations)
    "The measures were extended on Friday by resolution 2397 under the United Nations Charter.",
    "Acting under Article 41 of the United Nations Charter, the resolutions of Monday tightened the ban.",
])
def test_the_un_charter_is_no_actor(text):
    (action,) = events(text, "2018-03-23", "un_action")
    assert action.states == ["United Nations Security Council"]


@pytest.mark.parametrize("text,kind", [
    ("Aug. 27-29, 2003: North Korea joins the first round of six-nation nuclear talks in Beijing.", "talks"),
    ("Feb. 13, 2007: North Korea agrees at six-party talks to take first steps to disarm.", "talks"),
])
def test_six_nation_talks_are_the_six_states(text, kind):
    assert sorted(only(text, "2008-06-26", kind).states) == ["China", "Japan", "North Korea", "Russia", "South Korea", "United States"]


@pytest.mark.parametrize("text,published,states", [
    # a second verb joined by 'and' is another act: its actors are not the meeting's (was: North Korea added)
    ("U.S. Secretary of State Mike Pompeo met the Japanese and South Korean foreign ministers on Sunday in Tokyo "
     "and downplayed statements from North Korea.", "2018-07-08", ["United States", "Japan", "South Korea"]),
    ("South Korean envoys meet Trump at the White House on March 8 and deliver an invitation from Kim.", "2018-03-10",
     ["South Korea", "United States"]),
    # a meeting noun with its own modifiers: those and its venue (was: every state of the sentence)
    ("Moon reshuffled his cabinet on Friday after the breakdown of last week's U.S.-North Korea summit in Hanoi.", "2019-03-08",
     ["United States", "North Korea"]),
    ("Pompeo, who met Japanese officials in Tokyo on Sunday, defended his talks in Pyongyang on Saturday.", "2018-07-09",
     ["United States", "North Korea"]),
])
def test_a_meetings_parties_are_its_own(text, published, states):
    meetings = [e.states for e in events(text, published) if e.type in ("summit", "talks")]
    assert states in meetings and all("North Korea" not in m for m in meetings if "North Korea" not in states)


@pytest.mark.parametrize("text", [
    # a city before the meeting noun names where it was held (was: the actor Singapore)
    "Kim recounted on Tuesday his experience of the June 2018 Singapore summit.",
    "Kim was upbeat about the Hanoi summit in February 2019.",
])
def test_a_city_before_a_meeting_noun_is_its_venue(text):
    (summit,) = events(text, "2019-03-01", "summit")
    assert summit.states == ["North Korea"]


@pytest.mark.parametrize("text", [
    # 'the sanctions that X imposed': X imposed them, not who pushed for them (was: the United States)
    "As the United States pushed for the sanctions that the U.N. Security Council imposed on Monday, Pyongyang protested.",
    "With U.S. backing, the new sanctions that the Security Council imposed on March 2 target coal exports.",
])
def test_the_imposer_of_a_relative_clause(text):
    sanction = [e for e in events(text, "2016-03-16") if e.type in ("sanctions", "un_action")]
    assert "United Nations Security Council" in sanction[0].states and "United States" not in sanction[0].states


@pytest.mark.parametrize("text", [
    # no subject: the tester of the article's other tests, not its most-named state (was: the United States)
    "Fired a suspected ICBM on Friday that could reach the mainland of the United States, officials in Tokyo told reporters. "
    "On Thursday, North Korea fired a short-range missile.",
    "Test-fired on Sunday a cruise missile that flew toward Japan, officials in Seoul said. North Korea fired two more missiles on Monday.",
])
def test_a_subjectless_launch_takes_the_articles_tester(text):
    assert {tuple(e.states) for e in events(text, "2022-11-19", "missile_test")} == {("North Korea",)}


@pytest.mark.parametrize("text,published,states", [
    # the subject stands before an apposition, the other party after 'with' (was: one party per event)
    ("On Friday, Mr. ABE Shinzo, Prime Minister of Japan, held a summit meeting with President Moon Jae-in in Osaka.", "2019-06-29",
     ["Japan", "South Korea"]),
    ("Russian President Vladimir Putin, on his first trip abroad this year, held summit talks with Kim Jong Un on Wednesday.",
     "2024-06-20", ["Russia", "North Korea"]),
    ("Chinese leader Xi Jinping, who arrived on Thursday, had a summit meeting with Kim Jong Un.", "2019-06-22",
     ["China", "North Korea"]),
])
def test_a_meeting_held_after_an_apposition_has_both_parties(text, published, states):
    meetings = [e for e in events(text, published) if e.type in ("summit", "talks")]
    assert meetings and all(e.states == states for e in meetings)


@pytest.mark.parametrize("text,published,speaker", [
    # an unnamed speaker after a reported meeting speaks for its subject's side (was: both parties of the meeting)
    ("Prime Minister Fumio Kishida will meet President Yoon Suk Yeol in Seoul on Sunday, the chief cabinet secretary said on Thursday.",
     "2023-05-04", ["Japan"]),
    ("Xi Jinping will hold talks with Vladimir Putin in Moscow next week, the foreign ministry announced on Friday.", "2023-03-17",
     ["China"]),
])
def test_an_unnamed_speaker_of_a_reported_meeting_is_one_side(text, published, speaker):
    assert only(text, published, "statement").states == speaker


@pytest.mark.parametrize("text,published,states,absent", [
    # a place named after a person names no actor (was: Kim Il-sung)
    ("Kim Jong Un greeted the Russian leader at the airport. Crowds filled Kim Il Sung Square on Wednesday, where he met Putin.",
     "2024-06-20", ["North Korea", "Russia"], "Kim Il-sung"),
    ("Xi Jinping arrived on Thursday. He met Kim Jong Un at Kim Il Sung Stadium on Friday.", "2019-06-22",
     ["China", "North Korea"], "Kim Il-sung"),
    # a declaration named after the city it was signed in: the signers, not the city's state (was: Russia alone)
    ("Putin received Kim Jong Il in the Kremlin on August 4, 2001, which resulted in the signing of the Moscow Declaration.",
     "2019-04-26", ["Russia", "North Korea"], None),
    ("Junichiro Koizumi and Kim Jong Il met on Sept. 17, 2002, which resulted in the signing of the Pyongyang Declaration.", "2019-04-26",
     ["Japan", "North Korea"], None),
])
def test_a_name_a_place_or_document_is_named_after_is_no_actor(text, published, states, absent):
    for event in events(text, published):
        assert sorted(event.states) == sorted(states) and absent not in event.actors
        assert event.place not in ("Moscow", "Pyongyang")  # nor the place the events were held


@pytest.mark.parametrize("text,published,speaker", [
    # whom a speech or letter is addressed to is not its speaker (was: 'South Korea issues speech' via the Assembly)
    ("In a speech to the Supreme People's Assembly on Wednesday, Kim Jong Un called South Korea the principal enemy.",
     "2024-01-18", ["Kim Jong-un"]),
    ("In a letter to Donald Trump on Friday, Kim Jong Un praised their friendship.", "2019-06-23", ["Kim Jong-un"]),
    # the subject after the opening phrase, with its title, but not the verb's object
    ("In a speech on Feb. 8, North Korean leader Kim Jong-un called Japan a threat.", "2023-02-10",
     ["Supreme Leader of North Korea", "Kim Jong-un"]),
])
def test_a_speech_is_its_speakers_not_its_addressees(text, published, speaker):
    assert only(text, published, "statement").actors == speaker


@pytest.mark.parametrize("text,published", [
    # the state that owns another event noun of the sentence is that event's, not the resolution's (was: North Korea added)
    ("The Security Council on Friday denounced North Korea's newest missile launch, calling it a breach of a resolution adopted in 2017.",
     "2022-03-26"),
    ("The U.N. Security Council on Wednesday deplored Pyongyang's fresh satellite launch, saying it defied a resolution passed in 2009 "
     "after Pyongyang's second nuclear test.", "2012-04-18"),
])
def test_a_resolution_is_not_the_tested_states(text, published):
    actions = events(text, published, "un_action")
    assert actions and all(e.states == ["United Nations Security Council"] and e.place is None for e in actions)


@pytest.mark.parametrize("text,published,kind,states", [
    # a photo caption's subject, set off by 'left,' or 'right,' before the verb, is the first party (was: the second only)
    ("U.S. President Joe Biden, right, meets with South Korean President Yoon Suk Yeol at the White House on Wednesday.", "2023-04-27",
     "summit", ["United States", "South Korea"]),
    ("Xi Jinping, smiling, shakes hands and meets with Vladimir Putin in Moscow on Monday.", "2023-03-21", "summit", ["China", "Russia"]),
    # a relative clause's parties are its own; the main verb's subject is the one before 'who' (was: Kim said it)
    ("Trump, who met Kim in Hanoi on Feb. 27, said on Friday the talks had gone well.", "2019-03-02", "statement", ["United States"]),
    ("Moon, who met Xi in Chengdu on Monday, said on Wednesday the talks were useful.", "2019-12-26", "statement", ["South Korea"]),
])
def test_a_subject_set_off_by_commas_is_the_verbs(text, published, kind, states):
    assert only(text, published, kind).states == states


@pytest.mark.parametrize("text,published,states", [
    # an attack's parties are its subject and the verb's object, not a state the object's modifier names
    # (was: Iran / the United States added); 'Israeli', 'Afghan' are demonyms no suffix rule gives
    ("On May 4, Israeli jets bombed a Syrian depot allegedly stocked with Iranian missiles.", "2013-05-06", ["Israel", "Syria"]),
    ("Pakistani troops attacked an Afghan border post built with American funds on March 3.", "2011-03-10", ["Pakistan", "Afghanistan"]),
])
def test_an_attack_is_its_subjects_and_its_objects(text, published, states):
    assert only(text, published, "incident").states == states


@pytest.mark.parametrize("text,published,kind,states", [
    # a meeting whose text names one side: the article's other state (was: the United States alone)
    ("North Korea rejected the proposal on Monday. During negotiations with the United States in 2018, North Korea had asked "
     "for sanctions relief first.", "2020-01-10", "talks", ["United States", "North Korea"]),
    ("Japan protested on Tuesday. After talks with China in May, Tokyo had expected a calmer summer.", "2023-08-02", "talks",
     ["China", "Japan"]),
    # ... or the partner of that side's last meeting in the article (was: North Korea alone)
    ("Kim Jong Un met Donald Trump in Hanoi in February 2019. In October 2019, working-level talks in Stockholm broke down "
     "after one day.", "2020-01-10", "talks", ["North Korea", "United States"]),
])
def test_a_meeting_has_two_sides(text, published, kind, states):
    assert events(text, published, kind)[-1].states == states


def test_joining_a_treaty_is_one_states_act():
    text = "North Korea joined the Nuclear Non-Proliferation Treaty in 1985. The United States and North Korea signed the Agreed Framework in 1994."
    assert [e.states for e in events(text, "2020-01-10", "agreement")] == [["North Korea"], ["United States", "North Korea"]]


@pytest.mark.parametrize("text,published", [
    # a tweet is its author's statement, not that of a state the tweet quotes (was: North Korea, from 'stated' in the quote)
    ('Jan. 5: Trump, then president-elect, tweets: "North Korea just stated that it will test soon. It won\'t happen!"', "2017-04-29"),
    ('Jan. 5: Trump tweets: "China has done little to help with North Korea!"', "2017-04-29"),
])
def test_a_tweet_is_its_authors(text, published):
    assert events(text, published, "statement")[0].states == ["United States"]


@pytest.mark.parametrize("text,published,kind,states", [
    # 'X, a ... who did it': the relative pronoun's antecedent did it, not the state the clause goes on to name (was: North Korea)
    ("Pyongyang said it would never deal with President Lee Myung-bak, a conservative who stopped an aid policy toward the North in 2008.",
     "2011-12-31", "policy_change", ["South Korea"]),
    ("Tokyo criticised Moon Jae-in, the president who abandoned the policy of engagement with Japan in 2019.", "2020-06-01",
     "policy_change", ["South Korea"]),
])
def test_who_did_it_is_the_relative_pronouns_antecedent(text, published, kind, states):
    assert only(text, published, kind).states == states


@pytest.mark.parametrize("text,published,states", [
    # 'X may do so, Liu told reporters': the spokesperson's state (was: the state of the reported clause)
    ("Chinese Foreign Ministry spokesperson Liu Jianchao spoke on Monday. North Korea may test again, Liu told reporters on Oct. 24.",
     "2006-11-01", ["China"]),
    ("Australian Foreign Minister Penny Wong arrived on Sunday. Russia must stop its war, Wong told reporters on Monday.", "2023-03-01",
     ["Australia"]),
])
def test_a_spokespersons_family_name_is_their_state(text, published, states):
    assert events(text, published, "statement")[-1].states == states


@pytest.mark.parametrize("text,published,actor", [
    # the U.S. intelligence agencies speak for the United States (was: the state their statement was about)
    ("An Oct. 16 statement from the Office of the Director of National Intelligence confirmed North Korea's claims.", "2006-11-01",
     "Office of the Director of National Intelligence"),
    ("A Sept. 12 statement from the CIA said North Korea's test had been small.", "2016-10-01", "Central Intelligence Agency"),
])
def test_intelligence_agencies_are_their_states(text, published, actor):
    statement = only(text, published, "statement")
    assert statement.actors == [actor] and statement.states == ["United States"]


@pytest.mark.parametrize("text,published,states", [
    # a list of parties runs on past the comma that ends the clause (was: its first one or two)
    ("The first trilateral talks in four years between China, Japan, and South Korea opened in Seoul on May 26.", "2024-05-31",
     ["China", "Japan", "South Korea"]),
    ("Talks among the United States, Japan and South Korea, held in Tokyo on Monday, ended without a statement.", "2024-05-31",
     ["United States", "Japan", "South Korea"]),
])
def test_a_list_of_parties_is_every_party(text, published, states):
    assert only(text, published, "talks").states == states


def test_a_clash_between_the_two_countries_is_both_states():
    text = "In December, a Chinese trawler rammed a Philippine patrol boat, which widened the clash between the two countries on Dec. 2."
    clash = [e for e in events(text, "2023-12-05") if "the two countries" in e.quote]
    assert clash and sorted(clash[0].states) == ["China", "Philippines"]


@pytest.mark.parametrize("text,published,kind,states", [
    # waters named after a state are places, not parties (was: Japan, China added)
    ("China and Russia held joint naval drills in the Sea of Japan last week.", "2023-10-02", "military_drill", ["China", "Russia"]),
    ("The United States and the Philippines held joint naval exercises in the South China Sea on Sunday.", "2023-11-27", "military_drill",
     ["United States", "Philippines"]),
])
def test_waters_named_after_a_state_are_no_party(text, published, kind, states):
    assert only(text, published, kind).states == states


@pytest.mark.parametrize("text,published,states", [
    # the reason for a sanction is not its target (was: North Korea and the UN added)
    ("Washington imposed sanctions on two Chinese firms on Wednesday for helping North Korea evade UN measures.", "2023-06-02",
     ["United States", "China"]),
    ("Tokyo imposed sanctions on a Russian bank on Friday because it had helped Iran buy drones.", "2023-06-02", ["Japan", "Russia"]),
])
def test_the_reason_for_a_sanction_is_no_target(text, published, states):
    assert only(text, published, "sanctions").states == states


@pytest.mark.parametrize("text,published,state", [
    # the state that drafted a vetoed or adopted text takes part in the UN action (was: dropped as its target)
    ("China and Russia on Thursday vetoed a U.S.-drafted resolution at the Security Council.", "2022-05-27", "United States"),
    ("Russia on Friday vetoed a Japan-sponsored resolution at the Security Council.", "2024-03-30", "Japan"),
])
def test_the_drafter_of_a_resolution_takes_part(text, published, state):
    assert state in only(text, published, "un_action").states


@pytest.mark.parametrize("text,published,states", [
    # where the act happened, after the verb's object, names no party (was: South Korea via the president's office; China)
    ("A North Korean drone entered a no-fly zone around the office of President Yoon Suk Yeol on Dec. 26.", "2023-01-05",
     ["North Korea"]),
    ("On Nov. 23, North Korea attacked a South Korean island near the border with China.", "2010-11-29", ["North Korea", "South Korea"]),
])
def test_where_an_incident_happened_is_no_party(text, published, states):
    assert only(text, published, "incident").states == states


@pytest.mark.parametrize("text,published,states", [
    # a list of parties closed by 'and' runs back past the comma before the clause's first (was: Japan, Australia dropped)
    ("The leaders of Japan, South Korea and the United States met at Camp David on Aug. 18.", "2023-08-21",
     ["Japan", "South Korea", "United States"]),
    ("The text was released on Friday by the governments of Australia, Canada, and the United Kingdom to mark the report.",
     "2025-05-31", ["Australia", "Canada", "United Kingdom"]),
])
def test_a_list_before_the_clause_is_every_party(text, published, states):
    (event,) = [e for e in events(text, published) if e.type in ("summit", "talks", "statement")]
    assert event.states == states


@pytest.mark.parametrize("text,published,roles", [
    # 'its' is the subject, not a possessor that modifies another noun; the possessor is the sanction's target
    ("The EU added North Korea's defence minister to its sanctions list on Monday.", "2023-04-25",
     {"European Union": "initiator", "North Korea": "target"}),
    ("Japan added two of Russia's banks to its sanctions list on Friday.", "2023-04-25", {"Japan": "initiator", "Russia": "target"}),
])
def test_its_list_is_the_subjects(text, published, roles):
    assert only(text, published, "sanctions").roles == roles


@pytest.mark.parametrize("text,published,states", [
    # the other side comes from the last meeting, not from a visit's host (was: Laos, Brazil)
    ("Yoon Suk Yeol talked with Shigeru Ishiba on the phone on Wednesday. Yoon plans to visit Laos from Oct. 9. "
     "During the call on Wednesday, the leaders agreed to meet soon.", "2024-10-03", ["South Korea", "Japan"]),
    ("Fumio Kishida held talks with Yoon Suk Yeol on Monday. Kishida plans to visit Brazil on May 3. "
     "At the talks on Monday, the two leaders agreed to resume the dialogue.", "2024-04-30", ["Japan", "South Korea"]),
])
def test_a_visits_host_is_no_meeting_partner(text, published, states):
    assert events(text, published, "agreement")[-1].states == states


@pytest.mark.parametrize("text,published,speaker", [
    # an apposition between the speaker and the verb names someone else (was: Kim Jong-un)
    ("Kim Yo Jong, the powerful sister of Kim Jong Un, warned on Sunday that Seoul would pay a price.", "2023-06-05", "Kim Yo-jong"),
    ("Choe Son Hui, a close aide of Kim Jong Un, said on Monday that talks were pointless.", "2023-06-05", "Choe Son-hui"),
])
def test_an_apposition_does_not_name_the_speaker(text, published, speaker):
    assert only(text, published, "statement").actors == [speaker]


@pytest.mark.parametrize("text,published", [
    # the place a statement reports is not where it was made (was: Beijing, Pyongyang)
    ("Japanese Chief Cabinet Secretary Hirokazu Matsuno told a news conference on Monday that Tokyo had protested to Beijing.",
     "2023-07-11"),
    ("Seoul's unification ministry said on Friday that its officials had never been to Pyongyang.", "2023-07-15"),
])
def test_a_reported_place_is_not_the_statements(text, published):
    assert only(text, published, "statement").place is None


@pytest.mark.parametrize("text,published,states", [
    # a meeting at home gets no foreign side: its other side is named as people, or a body meets on its own
    ("Kim Jong Un met military commanders on Tuesday to review the drills. The United States condemned the drills.", "2023-07-20",
     ["North Korea"]),
    ("Yoon Suk Yeol held talks with business leaders in Seoul on Monday. Japan welcomed the plan.", "2023-07-20", ["South Korea"]),
    ("South Korea's ruling party leaders met on Monday to discuss the budget. North Korea fired a missile on Tuesday.", "2023-07-20",
     ["South Korea"]),
])
def test_a_meeting_at_home_has_no_foreign_side(text, published, states):
    (meeting,) = [e for e in events(text, published) if e.type in ("summit", "talks")]
    assert meeting.states == states


@pytest.mark.parametrize("text,published", [
    # a later clause of another act ('a day after X arrived in Pyongyang') does not place the event (was: in Pyongyang)
    ("North Korea fired two SRBMs on Wednesday, a day after Russian Defense Minister Andrei Belousov arrived in Pyongyang.", "2024-09-19"),
    ("Japan lodged a protest on Friday, two days after its envoy returned from Beijing.", "2024-09-21"),
])
def test_another_acts_place_is_not_the_events(text, published):
    assert all(e.place is None for e in events(text, published))


@pytest.mark.parametrize("text,published,states", [
    # 'X's visit to <city>': the city's state is the host, the other side (was: the visitor alone)
    ("Kim's visit to Vladivostok in April 2019 ended with talks but no agreement.", "2019-06-01", ["North Korea", "Russia"]),
    ("Xi's visit to Vladivostok in September 2018 ended with talks.", "2018-10-01", ["China", "Russia"]),
])
def test_a_visits_host_is_its_citys_state(text, published, states):
    (visit,) = [e for e in events(text, published) if e.type in ("summit", "talks")]
    assert visit.states == states


def test_where_talks_were_held_names_no_side():
    text = "Kim Jong Un met Donald Trump in Hanoi in February 2019. Working-level talks in Stockholm broke down on Oct. 5, 2019."
    assert events(text, "2019-12-20", "talks")[-1].states == ["North Korea", "United States"]
