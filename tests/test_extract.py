"""Extraction on the seed article: offsets, contract shape, and a regression test against the
curated annotation (recall/precision/date/status/actors with thresholds)."""

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from kpolicy.extract.actors import actor_finder
from kpolicy.dates import parse_edtf
from kpolicy.extract import extract_events
from kpolicy.extract.sentences import sentence_spans
from kpolicy.extract.text import read_document
from kpolicy.vocabulary import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "data" / "articles" / "changes-in-north-koreas-policy.md"
ANNOTATION = ROOT / "data" / "annotations" / "changes-in-north-koreas-policy.yaml"
FIELDS = ["type", "title", "date", "start", "end", "precision", "status", "actors", "states", "place", "quote",
          "char_start", "char_end", "date_text", "date_anchor", "type_rule", "date_rule", "offices", "confidence", "mentions", "extractor"]


@pytest.fixture(scope="module")
def seed():
    text = read_document(ARTICLE).text
    return text, [e.to_json() for e in extract_events(text, date(2020, 2, 5))]


def test_contract_fields_in_order(seed):
    _, events = seed
    assert events
    for e in events:
        assert list(e) == FIELDS
        assert e["status"] in ("occurred", "expected", "forecast")
        assert e["date"] and parse_edtf(e["date"]).edtf == e["date"]
        assert set(e["states"]) <= {actor_finder().state_of(a) for a in e["actors"]}


def test_every_event_names_the_rules_behind_its_type_and_date(seed):
    from kpolicy.extract.triggers import trigger_rules

    ids = {r.id for r in trigger_rules()} | {"entry-weapon", "list-item-type"}
    _, events = seed
    for e in events:
        assert e["type_rule"] in ids
        assert e["date_rule"]


def test_quotes_are_exact_spans_of_the_plain_text(seed):
    text, events = seed
    for e in events:
        assert text[e["char_start"]:e["char_end"]] == e["quote"]
        for m in e["mentions"]:
            assert text[m["char_start"]:m["char_end"]] == m["quote"]


def test_extraction_is_deterministic(seed):
    text, events = seed
    assert [e.to_json() for e in extract_events(text, date(2020, 2, 5))] == events


def _bounds(edtf):
    r = parse_edtf(edtf)
    return r.lower, r.upper


def _date_ok(gold, pred):
    g, p = _bounds(gold), _bounds(pred)
    return all((a is None) == (b is None) and (a is None or abs(a - b) <= timedelta(days=31)) for a, b in zip(g, p))


def score_events(golds, text, preds):
    """A small re-implementation of ../shared/eval/score.py's matching, so tests run without ../shared.
    `golds` holds (gold event, set of gold states); returns the figures and the raw counts."""
    spans = sentence_spans(text)

    def sent(pos):
        return next((k for k, (a, b) in enumerate(spans) if a <= pos < b), -1)

    located = []
    for g, states in golds:
        pos = text.find(g["quote"])
        assert pos >= 0, g["quote"]
        located.append((g, states, pos, pos + len(g["quote"])))
    pairs = []
    for gi, (g, _, g0, g1) in enumerate(located):
        for pi, p in enumerate(preds):
            quotes = [(p["char_start"], p["char_end"])] + [(m["char_start"], m["char_end"]) for m in p["mentions"]]
            near = [abs(a - g0) for a, b in quotes if (a < g1 and g0 < b) or sent(a) == sent(g0)]
            if near and FAMILIES[p["type"]] == FAMILIES[g["type"]]:
                pairs.append((p["type"] != g["type"], min(near), gi, pi))
    g_match, p_match = {}, {}
    for _, _, gi, pi in sorted(pairs):
        if gi not in g_match and pi not in p_match:
            g_match[gi], p_match[pi] = pi, gi
    core = [i for i, (g, *_) in enumerate(located) if g.get("core")]
    matched = [i for i in core if i in g_match]
    counted = [pi for pi in range(len(preds)) if pi not in p_match or located[p_match[pi]][0].get("core")]
    true_pos = sum(pi in p_match for pi in counted)

    def agree(fn):
        return sum(fn(located[i], preds[g_match[i]]) for i in matched) / len(matched) if matched else 0.0

    return {
        "recall": len(matched) / len(core) if core else 1.0,
        "precision": true_pos / len(counted) if counted else 0.0,
        "date": agree(lambda g, p: (g[0]["date"] is None and p["date"] is None) or (
            g[0]["date"] is not None and p["date"] is not None and _date_ok(str(g[0]["date"]), p["date"]))),
        "status": agree(lambda g, p: g[0]["status"] == p["status"]),
        "actors": agree(lambda g, p: g[1] == set(p["states"])),
        "counts": (len(matched), len(core), true_pos, len(counted)),
    }


def score_seed(text, preds):
    """The seed article's curated annotation (actors mapped to their states) against `preds`."""
    doc = yaml.safe_load(ANNOTATION.read_text(encoding="utf-8"))
    finder = actor_finder()
    golds = []
    for g in doc["events"]:
        names = [a["name"] if isinstance(a, dict) else a for a in g["actors"]]
        golds.append((g, {finder.state_of(finder.gazetteer.actor(n)) for n in names}))
    return score_events(golds, text, preds)


def test_seed_article_against_the_curated_annotation(seed):
    # measured 1.0 on every figure (docs/extraction.md); a small margin for harmless changes
    result = score_seed(*seed)
    assert result["recall"] >= 0.93
    assert result["precision"] >= 0.90
    assert result["date"] >= 0.90
    assert result["status"] >= 0.90
    assert result["actors"] >= 0.90


def _shared():
    for parent in [ROOT, *ROOT.parents]:
        if (parent / "shared" / "eval" / "score.py").is_file():
            return parent / "shared"
    return None


@pytest.mark.skipif(_shared() is None, reason="../shared/eval is not present")
def test_dev_articles_meet_the_targets():
    """The seed and the first three dev articles stay at target: a regression guard. The whole
    dev set (twenty passages, most never used to write rules) is reported in docs/extraction.md."""
    from tools.evaluate import evaluate

    guarded = {"kh-2018-04-19-plenum-friday", "yonhap-2019-07-18-high-level-talks", "bas-2022-01-13-goals-2022"}
    seed, *dev = evaluate(_shared())  # the seed article comes first
    results = [seed, *(r for r in dev if r["article"] in guarded)]
    assert len(results) == 4, [r["article"] for r in results]
    for r in results:
        assert r["recall"] >= 0.9, r
        assert r["precision"] >= 0.85, r
        assert r["date_ok"] >= 0.9, r
        assert r["status_ok"] >= 0.85 and r["actors_ok"] >= 0.85, r


# ---- behaviour on short texts written for these tests ----------------------------------------

def _events(text, published):
    return [e.to_json() for e in extract_events(text, date.fromisoformat(published))]


def test_status_from_tense_modality_and_dates_after_publication():
    text = ("North Korea said on Tuesday it would launch its first reconnaissance satellite in June. "
            "Experts said Pyongyang could also conduct a nuclear test this year. "
            "The allies held live-fire drills near the border last week.")
    got = [(e["type"], e["date"], e["status"]) for e in _events(text, "2023-05-30")]
    assert got == [
        ("statement", "2023-05-30", "occurred"),
        ("missile_test", "2023-06", "expected"),
        ("nuclear_test", "2023", "forecast"),
        ("military_drill", "2023-05-22/2023-05-28", "occurred"),
    ]


def test_coreference_gives_one_event_with_mentions():
    text = ("North Korean and U.S. negotiators met in Stockholm on Saturday for working-level talks. "
            "The talks broke down after several hours.\n\n"
            "The party opened its Eighth Congress on January 5. The congress also elected a new Politburo.")
    events = _events(text, "2021-01-20")
    assert [(e["type"], e["date"], len(e["mentions"])) for e in events] == [("talks", "2021-01-16", 1), ("plenum", "2021-01-05", 1)]
    assert events[0]["mentions"][0]["quote"].startswith("The talks broke down")


def test_undated_generic_and_negated_mentions_are_no_events():
    text = ("The allies usually hold spring drills in March. North Korea did not test a missile in May. "
            "Kim skipped his New Year's address on January 1. Officials said talks were needed.")
    assert _events(text, "2020-06-01") == []


def test_list_items_with_their_own_dates_and_narrative_time():
    text = ("Kim unveiled a new plan at the party congress in January 2021. "
            "Pyongyang then had a busy year of missile testing that included cruise missiles (March); "
            "a hypersonic missile (September); and a submarine-launched ballistic missile (October).")
    got = [(e["type"], e["date"]) for e in _events(text, "2022-01-13")]
    assert ("missile_test", "2021-03") in got and ("missile_test", "2021-09") in got and ("missile_test", "2021-10") in got


def test_headlines_bylines_and_datelines_are_no_event_mentions():
    text = ("North Korea fires missile on Monday\nBy A Reporter\n"
            "SEOUL, March 25 (Yonhap) -- North Korea fired a ballistic missile on Thursday, officials said.")
    events = _events(text, "2021-03-26")
    assert [(e["type"], e["date"]) for e in events] == [("missile_test", "2021-03-25")]
    assert events[0]["quote"].startswith("North Korea fired")


def test_chronology_entries_are_events_and_may_the_month_is_no_modal():
    text = ("Chronology\n\n- May 4: North Korea fires short-range missiles off its east coast\n"
            "- July 25: North Korea launches two new short-range ballistic missiles\n")
    got = [(e["type"], e["date"], e["status"]) for e in _events(text, "2019-08-10")]
    assert got == [("missile_test", "2019-05-04", "occurred"), ("missile_test", "2019-07-25", "occurred")]


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_offsets_hold_on_any_slice_of_the_seed_article(data):
    text = read_document(ARTICLE).text
    a = data.draw(st.integers(0, len(text) - 1))
    b = data.draw(st.integers(a + 1, min(len(text), a + 1500)))
    piece = text[a:b]
    for e in extract_events(piece, date(2020, 2, 5)):
        assert piece[e.char_start:e.char_end] == e.quote
        assert all(piece[m["char_start"]:m["char_end"]] == m["quote"] for m in e.mentions)


def test_statement_actors_are_the_speaker_not_the_quoted_words():
    text = ('"The two Koreas must talk now," Kim Yeon-chul said on Monday.\n'
            "\u201cWe will never accept the U.S. demands,\u201d KCNA said on Tuesday.")
    got = [(e["type"], e["date"], e["states"]) for e in _events(text, "2019-07-18")]
    assert got == [("statement", "2019-07-15", ["South Korea"]), ("statement", "2019-07-16", ["North Korea"])]


def test_pronoun_subject_and_title_surname():
    text = ("Kim Jong Un's diplomacy peaked in 2018. He met Chinese President Xi Jinping in Beijing in March.\n\n"
            "President Yoon will hold a summit with Joe Biden on April 26.")
    got = [(e["type"], e["date"], e["states"]) for e in _events(text, "2023-04-18")]
    assert got[0] == ("summit", "2018-03", ["North Korea", "China"])
    assert got[1] == ("summit", "2023-04-26", ["South Korea", "United States"])


def test_a_numbered_list_of_resolutions_is_one_action_per_year():
    got = _events("Pyongyang's launch breaches Security Council resolutions 1695 (2006) and 2087 (2013), the envoys said.", "2016-02-08")
    assert [(e["type"], e["date"]) for e in got if e["type"] == "un_action"] == [("un_action", "2006"), ("un_action", "2013")]


def test_a_security_council_condemnation_is_a_un_action_dated_by_its_own_time_not_its_content():
    got = _events("The Security Council on Thursday condemned the launch and demanded that the North show restraint in the months before June.", "2023-03-18")
    assert [(e["type"], e["date"]) for e in got] == [("un_action", "2023-03-16")]
    got = _events("On Monday, the UN Security Council strongly condemned the nuclear test.", "2017-09-05")
    assert ("un_action", "2017-09-04") in [(e["type"], e["date"]) for e in got]


def test_a_date_before_an_event_noun_dates_the_noun_across_a_bracketed_remark():
    got = _events("The Council condemns the 4 July (local time) launch by the DPRK of a ballistic missile.", "2017-07-10")
    assert [(e["type"], e["date"]) for e in got] == [("missile_test", "2017-07-04")]


def test_a_hedged_past_sentence_keeps_year_less_days_in_the_past():
    got = _events("Police[2] reportedly detained the editor on October 3 and possibly questioned him.", "2019-11-20")
    assert [(e["type"], e["date"], e["status"]) for e in got] == [("incident", "2019-10-03", "occurred")]


def test_a_chronology_entry_reporting_a_threat_is_dated_on_its_own_day_this_year():
    text = ("- Feb. 2: The ministry says it will scrap the military hotline.\n"
            "- Feb. 9: The army warns it will stage more drills.\n")
    got = [(e["type"], e["date"], e["status"]) for e in _events(text, "2022-03-01")]
    assert ("statement", "2022-02-02", "occurred") in got and ("statement", "2022-02-09", "occurred") in got
    assert not [d for _, d, _ in got if d.startswith("2023")]


def test_an_undated_photo_caption_retold_with_its_date_is_the_events_first_mention():
    text = ("FILE - The country's top trade negotiator says tariff discussions with Brussels over steel quotas have collapsed.\n\n"
            "GENEVA - The country's top trade negotiator said Tuesday that tariff discussions with Brussels over steel quotas had collapsed.\n")
    got = [e for e in _events(text, "2021-03-04") if e["type"] == "statement"]
    assert [(e["date"], e["quote"].startswith("The country's top trade negotiator says")) for e in got] == [("2021-03-02", True)]
    assert got[0]["mentions"] and "Tuesday" in got[0]["mentions"][0]["quote"]


def test_a_caption_and_a_different_later_statement_stay_apart():
    text = ("FILE - The finance minister says the budget will balance.\n\n"
            "The finance minister said Tuesday that fuel prices would rise next year.\n")
    got = [e for e in _events(text, "2021-03-04") if e["type"] == "statement"]
    assert [e["quote"].startswith("The finance minister said Tuesday") for e in got] == [True]


def test_a_weekday_before_that_dates_the_speech_not_the_clause_after_it():
    got = _events("The envoy said Monday that discussions with Seoul had stalled.", "2022-05-11")
    assert ("statement", "2022-05-09") in [(e["type"], e["date"]) for e in got]


def test_the_sanctions_a_resolution_imposes_are_the_resolution_not_a_second_event():
    got = _events("Three days later, the UN Security Council adopted a resolution imposing fresh sanctions on Iran.", "2010-06-20")
    assert [e["type"] for e in got] == ["un_action"]
    got = _events("In June the Security Council adopted Resolution 1929, which condemns the enrichment and which expands sanctions on Iran.", "2010-07-01")
    assert [e["type"] for e in got] == ["un_action"]


def test_an_undated_event_a_dated_report_names_as_its_object_takes_the_reports_date():
    got = _events("Tehran on Tuesday announced the successful launch of a military satellite aboard a rocket.", "2020-04-24")
    assert ("missile_test", "2020-04-21") in [(e["type"], e["date"]) for e in got]
    got = _events("State media on Sunday reported the latest test of a solid-fuel engine.", "2022-12-20")
    assert ("weapon_test", "2022-12-18") in [(e["type"], e["date"]) for e in got]


def test_an_event_that_triggers_another_is_two_events():
    got = _events("His arrest on Sunday sparked riots across the city.", "2021-08-10")
    assert [(e["type"], e["date"]) for e in got] == [("incident", "2021-08-08"), ("incident", "2021-08-08")]
    got = _events("The shelling on Tuesday caused clashes along the border.", "2020-06-20")
    assert [e["type"] for e in got].count("incident") == 2


def test_a_sentence_counted_from_a_named_earlier_event_takes_that_events_date_shifted():
    got = _events("The leaders held a summit in Bern on June 8, 2021. Three days prior to the summit, "
                  "the foreign ministry warned of protests.", "2021-07-01")
    assert ("statement", "2021-06-05") in [(e["type"], e["date"]) for e in got]
    got = _events("Iran tested a ballistic missile on May 2, 2022. Two weeks after the test, Washington imposed new sanctions.", "2022-06-01")
    assert ("sanctions", "2022-05-16") in [(e["type"], e["date"]) for e in got]


def test_came_after_reads_a_present_comes_and_a_subject_with_an_aside():
    got = _events("Iran fired a rocket on Friday. The launch, confirmed by two officials, comes a day after a smaller missile launch by Iran.",
                  "2022-11-18")
    assert [(e["type"], e["date"]) for e in got if e["type"] == "missile_test"] == [("missile_test", "2022-11-18"), ("missile_test", "2022-11-17")]


def test_an_official_trip_and_the_meeting_it_held_are_one_summit_that_a_later_mention_names():
    text = ("From May 3-5, President Lula made his first official trip to Japan and held a meeting with Prime Minister Kishida in Tokyo. "
            "The summit was cordial but produced little.")
    got = _events(text, "2023-06-01")
    assert [(e["type"], e["date"], len(e["mentions"])) for e in got] == [("summit", "2023-05-03/2023-05-05", 1)]


def test_units_after_dates_only_an_event_of_its_own_clause():
    got = _events("Samples collected two days after the blast on May 3, 2021, confirmed that the plant had suffered an attack.", "2021-06-01")
    assert not [e for e in got if e["type"] == "incident" and e["date"] == "2021-05-01"]
    got = _events("The North restored the hotline on Monday, two months after it cut the hotlines.", "2021-10-06")
    assert ("policy_change", "2021-08") in [(e["type"], e["date"]) for e in got]


def test_a_navigation_trail_is_page_chrome_not_a_statement():
    text = ("Home >  News >  Press Releases >  2021 >  Statement by the Minister on the Launch\n\n"
            "The minister said on Tuesday that the launch violated the resolutions.\n")
    got = _events(text, "2021-03-25")
    assert [e["quote"][:12] for e in got if e["type"] == "statement"] == ["The minister"]


def test_what_a_state_tested_on_listed_days_in_a_text_about_missiles_is_one_launch_per_day():
    text = ("The envoy spoke about ballistic missiles. "
            "The systems North Korea tested on 3 May, 9 June and 2 July this year can reach Guam, he said.")
    got = [(e["type"], e["date"]) for e in _events(text, "2022-08-01") if e["type"] == "missile_test"]
    assert got == [("missile_test", "2022-05-03"), ("missile_test", "2022-06-09"), ("missile_test", "2022-07-02")]
    assert _events("The recipes North Korea tested on 3 May were bland.", "2022-08-01") == []


def test_during_the_call_in_a_new_paragraph_takes_the_date_of_the_call_told_before():
    text = ("On Monday, President Macron and Chancellor Scholz held a phone call.\n\n"
            "During the call, the leaders agreed to meet in Berlin.\n")
    got = [(e["type"], e["date"]) for e in _events(text, "2023-03-08")]
    assert ("agreement", "2023-03-06") in got
    assert _events("During the call, the leaders agreed to meet.\n", "2023-03-08") == []  # no call told before: no date


def test_a_definite_event_inside_what_was_said_refers_back_and_takes_no_new_date():
    text = ("On May 2, the ferry Sewol sank off the south coast. "
            "On May 9, an official said that the navy had no role in the ferry sinking.")
    got = [e for e in _events(text, "2021-06-01") if e["type"] == "incident"]
    assert [(e["date"], len(e["mentions"])) for e in got] == [("2021-05-02", 1)]


def test_a_later_launch_mention_refers_back_to_the_undated_test_and_ordinals_keep_two_tests_apart():
    text = ("Iran responded to the country's brazen missile test by closing its border.\n\n"
            "Last week's rocket launch alarmed the region.\n")
    got = [e for e in _events(text, "2017-02-18") if e["type"] == "missile_test"]
    assert [(e["date"], e["quote"].startswith("Iran responded")) for e in got] == [("2017-02-06/2017-02-12", True)]
    text = ("The council condemned the country's latest nuclear test and recalled its first atomic test.\n\n"
            "The first test came in October 2006, when Pyongyang detonated its first nuclear device.\n\n"
            "On Monday the country carried out its second nuclear test.\n")
    got = sorted(e["date"] for e in _events(text, "2009-05-26") if e["type"] == "nuclear_test")
    assert got == ["2006-10", "2009-05-25"]
