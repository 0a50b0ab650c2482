"""Event types from trigger words in context, with the negative cases that are no events."""

import pytest

from kpolicy.extract.triggers import find_triggers

POSITIVE = [
    ("North Korea launched a KN-23 short-range ballistic missile.", "missile_test"),
    ("The military test-fired two cruise missiles.", "missile_test"),
    ("It conducted its sixth nuclear test in 2017.", "nuclear_test"),
    ("It tested a new solid-fuel engine for an ICBM.", "weapon_test"),
    ("A military parade was held in Pyongyang.", "weapon_display"),
    ("The allies began joint military exercises on Monday.", "military_drill"),
    ("South Korea held legislative elections in April.", "election"),
    ("The Security Council adopted a resolution tightening sanctions.", "un_action"),
    ("Washington imposed new sanctions on three banks.", "sanctions"),
    ("The ministry said on Thursday that it would respond.", "statement"),
    ("The party convened a plenary meeting of its central committee.", "plenum"),
    ("Kim and Trump met in Singapore.", "summit"),
    ("Working-level talks resumed in Stockholm.", "talks"),
    ("The byungjin policy was officially abandoned in 2018.", "policy_change"),
    ("The two sides signed a joint declaration.", "agreement"),
    ("North Korean troops seized a fishing boat.", "incident"),
    ("North Korea will convene its parliament next month.", "plenum"),
    ("The SPA last met in December 2019.", "plenum"),
    ("Xi and Kim exchanged messages on Sunday.", "statement"),
    ("After a failed launch in April, the country tested a missile.", "missile_test"),
    ("Biden and Yoon held a phone call on Monday.", "summit"),
    # a party's or a legislature's meeting is a plenum, not a summit, whatever words sit between
    ("The title was conferred at a meeting Monday of the Political Bureau of the party.", "plenum"),
    ("Kim spoke at a Supreme People's Assembly (SPA) meeting in June.", "plenum"),
    ("A rare second SPA meeting followed in November.", "plenum"),
    ("The Workers' Party held its fourth Party Conference in 2012.", "plenum"),
    # violence and arrests are incidents, in any tense
    ("June 3: Police arrest two aides of the governor.", "incident"),
    ("The candidate was stabbed in the neck at a rally.", "incident"),
    ("1968: Commandos fail to assassinate the president, and two guards are killed.", "incident"),
    ("The verdict triggers riots in the capital.", "incident"),
    # the Security Council's own condemnation is a UN action, not a plain statement
    ("The U.N. Security Council on Tuesday strongly condemned the launch.", "un_action"),
    ("After closed consultations, the Security Council condemns the test and demands restraint.", "un_action"),
    ("The council condemned the 2 May launch by the DPRK of a ballistic missile.", "missile_test"),
    # meetings below leader level are talks; a leaders' phone talk is a summit
    ("The Secretary of State used his first meeting with his Japanese counterpart to press the point.", "talks"),
    ("The prime minister held a telephone talk with the president of Korea.", "summit"),
    ("Mr. Ito, Prime Minister of Japan, held talks by telephone with Mr. Kim, President of Korea.", "summit"),
    ("Pyongyang on Friday sent a high-level delegation to the closing ceremony.", "talks"),
    # halting aid, a reactor or a policy, quitting a treaty, nullifying an armistice: policy changes
    ("Tokyo halts shipments of food aid to the North.", "policy_change"),
    ("Iran says it will quit the Non-proliferation Treaty.", "policy_change"),
    ("The military says it has nullified the armistice.", "policy_change"),
    ("The ministry confirmed the drone incursion on Thursday.", "statement"),
    ("The two presidents are expected to talk by phone later in the day.", "summit"),
    ("The ruling party will elect a new chairman on May 3.", "election"),
    ("The governor expressed regret over the delay.", "statement"),
    ("The army sent two small drones across the demarcation line on Monday.", "incident"),
    ("Images show the launch of a new guided missile destroyer at the Nampo shipyard.", "weapon_display"),
    ("A surveillance aircraft entered the no-fly zone over the capital.", "incident"),
]


def test_a_second_verb_of_the_security_council_is_its_act_too():
    got = find_triggers("The Security Council strongly condemned the test, and announced that it would meet again.")
    assert [t.type for t in got if t.text in ("condemned", "announced")] == ["un_action", "un_action"]


def test_a_request_is_a_statement_and_what_it_requests_is_no_event_yet():
    got = find_triggers("Hanoi made the request to send a trade delegation to Seoul on Friday.")
    assert [t.type for t in got] == ["statement"]
    got = find_triggers("The minister offered to hold talks with the envoys next week.")
    assert "talks" not in [t.type for t in got]


def test_a_launch_by_someone_needs_a_missile_context():
    assert [t.type for t in find_triggers("The minister attended the launch by the publisher of her new book.")] == []

NEGATIVE = [
    "The standoff is a test of patience for both sides.",
    "Analysts drill down into the numbers.",
    "A third party could mediate.",
    "They hope for a peaceful resolution of the conflict.",
    "The government launched a campaign against waste.",
    "It reached the summit of the mountain.",
    "Kim might not deliver a New Year's Day address this year.",
    "The moratorium on nuclear tests and ICBM testing",
    "Missiles capable of carrying nuclear warheads are on the list.",
    "They marked the 60th anniversary of the summit between the two leaders.",
    "He convened his advisers.",
    "A new submarine-launched ballistic missile was displayed.",
    "President Lula visits the national space agency in Brasilia.",
    "Prime Minister Abe met with family members of the victims on Tuesday.",
    "Kim convened an urgent meeting of senior generals on Friday.",
    "In a meeting between the president and some relatives of the crew, he promised answers.",
    "FILE - Russian Security Council Secretary Nikolai Patrushev attends the Security Council meeting in Moscow.",
]


@pytest.mark.parametrize("sentence,etype", POSITIVE)
def test_trigger_types(sentence, etype):
    assert etype in [t.type for t in find_triggers(sentence)]


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_no_event_of_that_kind(sentence):
    types = {t.type for t in find_triggers(sentence)}
    assert not types & {"missile_test", "nuclear_test", "weapon_test", "military_drill", "plenum", "un_action", "summit", "statement"}


def test_a_speaker_at_the_security_council_makes_a_statement_not_a_council_action():
    got = find_triggers("Japan's ambassador to the Security Council condemned the launch on Friday.")
    assert [t.type for t in got] == ["statement"]


def test_trigger_offsets_and_confidence():
    s = "Pyongyang fired a missile and the allies held drills."
    for t in find_triggers(s):
        assert s[t.start:t.end] == t.text
        assert 0 < t.confidence <= 1
    strong = find_triggers("The party held a plenary meeting.")[0]
    weak = find_triggers("The April session was short.", context="the party plenum")[0]
    assert (strong.type, weak.type) == ("plenum", "plenum")
    assert strong.confidence > weak.confidence
    assert find_triggers("The April session was short.") == []  # a bare session needs a plenum context


# ---- data/triggers.yaml: every rule's own examples ---------------------------------------
from kpolicy.extract.triggers import trigger_rules  # noqa: E402

_RULE_CASES = [(r.id, s, True) for r in trigger_rules() for s in r.examples] + [
    (r.id, s, False) for r in trigger_rules() for s in r.negative]


def test_every_rule_has_positive_and_negative_examples():
    for r in trigger_rules():
        assert len(r.examples) >= 2, f"{r.id}: needs at least two positive examples"
        assert r.negative, f"{r.id}: needs a negative example"


@pytest.mark.parametrize("rule_id,sentence,positive", _RULE_CASES)
def test_rule_examples(rule_id, sentence, positive):
    rule = next(r for r in trigger_rules() if r.id == rule_id)
    found = find_triggers(sentence)
    fired = [t.rule for t in found]
    if positive:
        assert rule_id in fired, f"{rule_id} should fire on {sentence!r} (fired: {fired})"
    else:  # no trigger of this rule, or one its context check typed otherwise ('vote' on a resolution)
        assert not [t for t in found if t.rule == rule_id and (rule.type.endswith("?") or t.type == rule.type)], \
            f"{rule_id} should not fire on {sentence!r}"
