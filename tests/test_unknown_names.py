"""Issue 20: a place or an organisation the authority file lacks, seen in an article, is a proposal
in `kpolicy review` (one per name, with the sentence it came from); accepting creates it through
the same write path as an unknown person, and one undo takes it back. The texts are our own."""

from __future__ import annotations

import json

import pytest

TEXT = (
    "The Ministry said on Monday that a patrol boat had left Pyongyang. In March, coast guard crews trained near "
    "Sinchang-ri and met fishermen in Sokcho, while the Korean Workers' Party's Central Military Commission met at the "
    "Ryonggang Guest Palace. The Committee for Coastal Fisheries Cooperation was set up at the Hanoi summit, KCNA said. "
    "The Foreign Ministry and the Ministry of Unification spoke in Korean at the Party Congress, and Japan's "
    "Reconstruction Agency sent an envoy to Vostochny Cosmodrome."
)


@pytest.fixture(scope="module")
def found():
    from kpolicy.extract.actors import actor_finder
    from kpolicy.extract.unknown import UnknownNames

    return {u.name: u for u in UnknownNames(actor_finder()).find(TEXT)}


def test_a_place_the_authority_file_lacks_is_found_after_in_at_or_near(found):
    for name in ("Sinchang-ri", "Sokcho", "Ryonggang Guest Palace"):
        assert found[name].kind == "place", found
        assert TEXT[found[name].start:found[name].end] == name


def test_an_organisation_is_found_by_its_head_word_with_its_owner(found):
    commission = found["Korean Workers' Party's Central Military Commission"]  # its words are generic: the owner names it
    assert (commission.kind, commission.parent) == ("organ", "Workers' Party of Korea")
    assert (found["Committee for Coastal Fisheries Cooperation"].kind, found["Committee for Coastal Fisheries Cooperation"].parent) == ("organ", None)
    assert (found["Reconstruction Agency"].kind, found["Reconstruction Agency"].parent) == ("agency", "Japan")


def test_known_names_and_common_capitalised_phrases_are_not_proposed(found):
    assert set(found) == {"Sinchang-ri", "Sokcho", "Ryonggang Guest Palace", "Korean Workers' Party's Central Military Commission",
                          "Committee for Coastal Fisheries Cooperation", "Reconstruction Agency"}
    # known: Pyongyang, KCNA, the Ministry of Unification, Vostochny Cosmodrome; common: 'The Ministry' (whose?), 'In March',
    # 'in Korean', 'the Hanoi summit' (what, not where), 'The Foreign Ministry' (whose?), 'the Party Congress' (an event)
    assert not any(w in n for n in found for w in ("Pyongyang", "March", "Korean at", "Hanoi", "Foreign", "Unification", "Congress"))


ARTICLE = """---
title: A harbour visit
published: 2024-05-02
---
On May 1, 2024, the Committee for Coastal Fisheries Cooperation met North Korean officials in Sokcho.

On May 2, 2024, North Korean officials met South Korean fishermen in Sokcho again.
"""

LATER = """---
title: Another harbour visit
published: 2024-06-02
---
On June 1, 2024, North Korean officials met Chinese officials in Sokcho.
"""


def _unknown_proposals(db) -> dict[str, tuple[int, int, str, dict]]:
    from conftest import query_rows

    out = {}
    for pid, event_id, kind, value in query_rows(db, "SELECT id, event_id, kind, value FROM proposals ORDER BY id"):
        value = json.loads(value)
        if value.get("unknown") and value.get("name_key"):
            name = (value.get("fields") or {}).get("place") or value["actors"][0][0]
            assert name not in out, f"{name} proposed twice"
            out[name] = (pid, event_id, kind, value)
    return out


def test_ingest_proposes_each_unknown_place_and_body_once_and_accepting_creates_it(cli, db, tmp_path):
    from conftest import query_rows

    article = tmp_path / "harbour.md"
    article.write_text(ARTICLE, encoding="utf-8")
    assert cli("ingest", str(article)).exit_code == 0
    proposals = _unknown_proposals(db)
    assert set(proposals) == {"Sokcho", "Committee for Coastal Fisheries Cooperation"}, proposals  # two events name Sokcho: one proposal
    place_id, place_event, place_kind, place_value = proposals["Sokcho"]
    assert place_kind == "fields" and place_value["kind"] == "place" and "met North Korean officials in Sokcho" in place_value["quote"]
    body_id, body_event, _, body_value = proposals["Committee for Coastal Fisheries Cooperation"]
    assert body_value["kind"] == "organ" and body_value["quote"] == place_value["quote"]
    queue = json.loads(cli("review", "--format", "json").stdout)
    details = {r["proposal"]: r["detail"] for r in queue if r["proposal"]}
    assert "a place the authority file lacks: Sokcho" in details[place_id]
    assert "an organ the authority file lacks: Committee for Coastal Fisheries Cooperation" in details[body_id]
    # accepting the place creates it and sets it on the event, in one change that one undo takes back
    assert cli("review", "accept", "--proposal", str(place_id), "--reason", "the port").exit_code == 0
    assert query_rows(db, "SELECT origin FROM places WHERE name = 'Sokcho'") == [("analyst",)]
    assert json.loads(cli("show", str(place_event), "--format", "json").stdout)["place"] == "Sokcho"
    change = query_rows(db, f"SELECT resolved_change_id FROM proposals WHERE id = {place_id}")[0][0]
    undone = cli("undo", str(change), "--reason", "not yet")
    assert undone.exit_code == 0, undone.stderr
    assert query_rows(db, "SELECT count(*) FROM places WHERE name = 'Sokcho'") == [(0,)]
    assert json.loads(cli("show", str(place_event), "--format", "json").stdout)["place"] is None
    # the body: created with the kind extraction proposed (or the one the analyst gives), named on the event
    assert cli("review", "accept", "--proposal", str(body_id), "--kind", "agency").exit_code == 0
    assert query_rows(db, "SELECT kind, origin FROM actors WHERE name = 'Committee for Coastal Fisheries Cooperation'") == [("agency", "analyst")]
    shown = json.loads(cli("show", str(body_event), "--format", "json").stdout)
    assert "Committee for Coastal Fisheries Cooperation" in json.dumps(shown)


def test_an_owned_body_is_created_under_its_owner(cli, db, tmp_path):
    from conftest import query_rows

    article = tmp_path / "commission.md"
    article.write_text("---\ntitle: A meeting\npublished: 2024-05-02\n---\nOn May 1, 2024, the Korean Workers' Party's Central "
                       "Military Commission held a meeting, KCNA said.\n", encoding="utf-8")
    assert cli("ingest", str(article)).exit_code == 0
    proposals = _unknown_proposals(db)
    pid, _, _, value = proposals["Korean Workers' Party's Central Military Commission"]
    assert value["parent"] == "Workers' Party of Korea" and value["kind"] == "organ"
    assert cli("review", "accept", "--proposal", str(pid)).exit_code == 0
    assert query_rows(db, "SELECT c.kind, p.name FROM actors c JOIN actors p ON p.id = c.parent_id "
                          "WHERE c.name = 'Korean Workers'' Party''s Central Military Commission'") == [("organ", "Workers' Party of Korea")]


def test_a_dismissed_name_is_not_proposed_again(cli, db, tmp_path):
    first = tmp_path / "harbour.md"
    first.write_text(ARTICLE, encoding="utf-8")
    assert cli("ingest", str(first)).exit_code == 0
    pid = _unknown_proposals(db)["Sokcho"][0]
    assert cli("review", "reject", "--proposal", str(pid), "--reason", "not needed").exit_code == 0
    later = tmp_path / "later.md"
    later.write_text(LATER, encoding="utf-8")
    assert cli("ingest", str(later)).exit_code == 0
    assert _unknown_proposals(db)["Sokcho"][0] == pid  # still the one, dismissed: no second proposal


def test_the_seed_article_and_the_shared_passages_bring_few_proposals():
    """Precision: over the seed article and the 20 shared dev passages, the names proposed are few
    (the rule's output on them, checked by eye when it was written, is pinned here)."""
    import glob
    from pathlib import Path

    from kpolicy.extract.actors import actor_finder
    from kpolicy.extract.unknown import UnknownNames

    finder = UnknownNames(actor_finder())
    seed = Path(__file__).resolve().parents[1] / "data" / "articles" / "changes-in-north-koreas-policy.md"
    assert [u for u in finder.find(seed.read_text(encoding="utf-8")) if u.kind != "person"] == []
    passages = sorted(glob.glob("/work/shared/eval/dev/*.txt"))
    if not passages:
        pytest.skip("the shared dev passages are not on this machine")
    names = {u.name for p in passages for u in finder.find(Path(p).read_text(encoding="utf-8")) if u.kind != "person"}
    assert len(names) <= 10, names
