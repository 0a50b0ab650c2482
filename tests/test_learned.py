"""The learned extractor: its model file is data that is checked before use, its decisions can
be explained, mentions record what produced them, and `kpolicy learn` retrains on an analyst's
own decisions. Texts here are written for the tests; no test trains the shipped model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpolicy.errors import BadInput
from kpolicy.extract import extract_events
from kpolicy.extract import model as model_mod
from kpolicy.store.bootstrap import open_or_create

TEXT = (
    "North Korea fired two short-range ballistic missiles into the sea on Tuesday, South Korea's military said.\n\n"
    "The launch came a day after the United States and South Korea began their annual Freedom Shield exercises.\n\n"
    "Kim Jong Un will visit Moscow next month for a summit with Vladimir Putin, officials said.\n"
)
PUBLISHED = date(2024, 3, 13)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# ---- the model file ---------------------------------------------------------------------------

def test_shipped_model_is_sealed_json_and_small():
    path = model_mod.shipped_model_path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "kpolicy-extractor" and doc["version"] == model_mod.VERSION
    assert doc["sha256"] == model_mod.content_sha256(doc)
    assert set(doc["decisions"]) == {"event", "type", "date", "status", "actor", "merge"}
    assert doc["training"]["documents"] and not any("/test/" in d for d in doc["training"]["documents"])
    assert path.stat().st_size < 3_000_000


def _copy_model(tmp_path, change) -> Path:
    doc = json.loads(model_mod.shipped_model_path().read_text(encoding="utf-8"))
    text = change(doc)
    p = tmp_path / "model.json"
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


@pytest.mark.parametrize("change, says", [
    (lambda d: json.dumps(d)[: len(json.dumps(d)) // 2], "is truncated or not JSON"),
    (lambda d: json.dumps({**d, "version": 99}), "is an extractor model of version 99, this kpolicy reads version 1"),
    (lambda d: json.dumps({**d, "decisions": {**d["decisions"], "event": {**d["decisions"]["event"], "bias": [9.0]}}}),
     "does not match its sha256 (changed or damaged since it was written)"),
    (lambda d: json.dumps({"hello": 1}), "is not a kpolicy extractor model"),
    # a pickle is never unpickled: it is not JSON, so it is refused
    (lambda d: b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x05posix\x94\x8c\x06system\x94\x93\x94.", "is truncated or not JSON"),
])
def test_a_bad_model_file_is_refused_in_one_line_naming_the_fix(tmp_path, change, says):
    p = _copy_model(tmp_path, change)
    with pytest.raises(BadInput) as err:
        model_mod.load_model_file(p)
    message = str(err.value)
    assert says in message and "\n" not in message
    assert message.endswith("reinstall kpolicy (`pip install --force-reinstall kpolicy`) or use `--extractor rules`")


def test_a_missing_or_tampered_shipped_model_stops_the_cli_with_exit_2(tmp_path, monkeypatch):
    import kpolicy.extract as face  # its cache of extractors is per process: cleared here
    from tests.conftest import Cli

    article = write(tmp_path, "a.txt", TEXT)
    tampered = _copy_model(tmp_path, lambda d: json.dumps({**d, "id": "someone-else"}))
    monkeypatch.setattr(face, "_CACHE", {})
    monkeypatch.setattr(model_mod, "_SHIPPED_CACHE", {})
    monkeypatch.setattr(model_mod, "shipped_model_path", lambda: tmp_path / "gone.json")
    result = Cli()("extract", str(article), "--published", "2024-03-13", "--extractor", "learned", db=False)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"kpolicy: error: extractor model {tmp_path / 'gone.json'} is missing; reinstall kpolicy "
        "(`pip install --force-reinstall kpolicy`) or use `--extractor rules`"]
    assert result.stdout == ""
    monkeypatch.setattr(model_mod, "shipped_model_path", lambda: tampered)
    result = Cli()("ingest", str(article), "--published", "2024-03-13", "--extractor", "learned",
                   "--db", str(tmp_path / "k.db"), db=False)
    assert result.exit_code == 2 and "does not match its sha256" in result.stderr
    assert not (tmp_path / "k.db").exists()  # refused before any database is touched


def test_dot_product_decisions_and_their_explanation():
    d = model_mod.decision_from_json("x", {"kind": "multiclass", "classes": ["a", "b"], "features": ["f", "g"],
                                           "weights": [[1.0, 0.0], [0.0, 2.0]], "bias": [0.5, 0.0]})
    assert d.predict({"f": 1.0}) == ("a", pytest.approx(0.8176, abs=1e-4))
    assert d.predict({"g": 1.0})[0] == "b"
    assert d.explain({"f": 1.0, "g": 1.0, "unknown": 1.0}, "b") == [("g", 2.0)]
    with pytest.raises(ValueError):
        model_mod.decision_from_json("y", {"kind": "binary", "classes": [False, True], "features": ["f"],
                                           "weights": [[1.0, 2.0]], "bias": [0.0]})


# ---- extraction ---------------------------------------------------------------------------------

def test_learned_extractor_gives_the_contract_with_its_model_id_and_explains_every_decision():
    shipped = model_mod.shipped_model()
    events = extract_events(TEXT, PUBLISHED, extractor="learned", explain=True)
    assert events
    first = events[0].to_json()
    assert first["type"] == "missile_test" and first["date"] == "2024-03-12" and first["states"] == ["North Korea"]
    for e in events:
        j = e.to_json()
        assert j["extractor"] == shipped.id
        assert TEXT[j["char_start"]:j["char_end"]] == j["quote"]
        assert set(j["explain"]) >= {"event", "type", "date", "status", "actors", "merge"}
        assert all(isinstance(f, str) and isinstance(w, float) for f, w in j["explain"]["event"]["features"])
    rules = extract_events(TEXT, PUBLISHED, extractor="rules", explain=True)
    assert all(e.to_json()["extractor"] == "rules" and e.explain["type"]["rule"] == e.type_rule for e in rules)


@pytest.mark.parametrize("text", [
    # the shipped model leaves actors to the rules: a meeting of one named state gets its other side with both extractors
    "Kim Jong Un met Donald Trump in Hanoi in February 2019. In October 2019, working-level talks in Stockholm broke down after one day.",
    "Kim Jong Un met Donald Trump at Panmunjom in June 2019. Working-level talks in Stockholm on Oct. 5, 2019 ended after one day.",
])
def test_both_extractors_give_a_meeting_its_two_sides(text):
    for extractor in ("rules", "learned"):
        talks = [e for e in extract_events(text, date(2020, 1, 10), extractor=extractor) if e.type == "talks"]
        assert talks and talks[-1].states == ["North Korea", "United States"], extractor


def test_candidates_cover_lexicon_predicates_the_rules_miss():
    from kpolicy.extract import extractor_for

    text = "The envoy's resignation was announced on Monday. Seoul imposed an embargo on 3 May 2024."
    pool = extractor_for("learned").pool(text, date(2024, 5, 8))
    lemmas = {m.lemma for m in pool.mentions}
    assert {"resignation", "embargo"} <= lemmas or {"resignation", "impose"} <= lemmas
    origins = {m.origin for m in pool.mentions}
    assert "lexicon" in origins


def test_extract_cli_explain_and_ingest_record_the_extractor(tmp_path, empty_db):
    from tests.conftest import Cli

    article = write(tmp_path, "a.txt", TEXT)
    run = Cli(empty_db)
    out = run("extract", str(article), "--published", "2024-03-13", "--extractor", "learned", "--explain", db=False)
    assert out.exit_code == 0, out.stderr
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and all("explain" in r for r in rows)
    assert run("init").exit_code == 0
    result = run("ingest", str(article), "--published", "2024-03-13", "--extractor", "learned")
    assert result.exit_code == 0, result.stderr
    other = write(tmp_path, "b.txt", TEXT.replace("Tuesday", "Monday").replace("two", "three"))
    assert run("ingest", str(other), "--published", "2024-03-13", "--extractor", "rules").exit_code == 0
    database = open_or_create(empty_db, create=False)
    with database.reading() as conn:
        got = sorted({r[0] for r in conn.execute(sa.text("SELECT extractor FROM mentions WHERE extractor IS NOT NULL"))})
    database.close()
    assert got == sorted({model_mod.shipped_model().id, "rules"})


# ---- learning from the analyst -------------------------------------------------------------------

PLACES = ["Hanoi", "Singapore", "Beijing", "Moscow", "Tokyo", "Geneva", "Stockholm", "Jakarta", "Ulaanbaatar", "Vienna"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def session_texts(n: int) -> list[tuple[str, str, date]]:
    """Short wire stories written for this test: a launch, a spokesman's remark, talks."""
    out = []
    for i in range(n):
        day = DAYS[i % 5]
        place = PLACES[i % len(PLACES)]
        pub = date(2023, 1 + i % 12, 10 + i % 15)
        text = (f"North Korea fired {['two', 'three', 'four'][i % 3]} short-range ballistic missiles on {day}, "
                f"South Korea's Joint Chiefs of Staff said.\n\n"
                f"A foreign ministry spokesman in Beijing said on {day} that China was following the situation.\n\n"
                f"Japan and South Korea held talks in {place} on {DAYS[(i + 2) % 5]} about the launches.\n")
        out.append((f"story-{i:02d}.txt", text, pub))
    return out


def test_learn_with_too_few_decisions_says_how_many_it_needs_and_changes_nothing(tmp_path, empty_db):
    from tests.conftest import Cli

    run = Cli(empty_db)
    assert run("init").exit_code == 0
    name, text, pub = session_texts(1)[0]
    assert run("ingest", str(write(tmp_path, name, text)), "--published", pub.isoformat()).exit_code == 0
    database = open_or_create(empty_db, create=False)
    with database.reading() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM changes")).scalar()
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM events ORDER BY id"))]
    database.close()
    assert run("review", "accept", str(ids[0])).exit_code == 0
    result = run("learn")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "kpolicy: error: the database holds 1 analyst decision(s) on extracted events; `learn` needs at least 20 "
        "(accept, reject or edit extracted events with `kpolicy review accept|reject` and `kpolicy edit`, then run it again); "
        "nothing was changed")
    database = open_or_create(empty_db, create=False)
    with database.reading() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM extractor_models")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM changes")).scalar() == before + 1  # the review only
    database.close()


def test_learn_improves_the_held_out_part_of_an_analysts_session(tmp_path, empty_db):
    """The analyst accepts launches and talks and rejects a spokesman's remarks (no timeline
    events for them): the retrained model decides the held-out part as
    the analyst did more often than the shipped one, and later ingests use it."""
    from kpolicy.curate.events import review_events
    from kpolicy.ingest import ingest_one, prepare
    from kpolicy.learning import database_model, learn

    database = open_or_create(empty_db)
    for name, text, pub in session_texts(36):
        ingest_one(database, prepare(write(tmp_path, name, text), published=pub, extractor="learned"))
    with database.reading() as conn:
        rows = conn.execute(sa.text("SELECT id, type FROM events WHERE review = 'extracted' ORDER BY id")).all()
    assert len(rows) >= 60
    with database.writing() as conn:
        for event_id, etype in rows:
            if etype == "statement":
                review_events(conn, [event_id], "reject", reason="a spokesman's remark is no timeline event", by="analyst")
            else:
                review_events(conn, [event_id], "accept", by="analyst")
    result = learn(database, by="analyst")
    before, after = result.before, result.after
    assert before["event"][1] >= 10  # held-out event decisions
    assert after["event"][0] > before["event"][0]
    assert after["event"][0] >= 0.9
    with database.reading() as conn:
        kept = conn.execute(sa.text("SELECT model_id, base, metrics FROM extractor_models")).all()
        own = database_model(conn)
    assert [k[0] for k in kept] == [result.model_id] and kept[0][1] == model_mod.shipped_model().id
    assert json.loads(kept[0][2])["after"]["event"] == after["event"][0]
    assert own.id == result.model_id
    from kpolicy.curate.changes import undo_change

    with database.reading() as conn:
        learn_change = conn.execute(sa.text("SELECT max(id) FROM changes WHERE action = 'learn'")).scalar()
    with pytest.raises(BadInput, match="kept a learned extractor model, which is never deleted"):
        with database.writing() as conn:
            undo_change(conn, learn_change, reason="try", by="analyst")
    # later extracts into this database use it: the remark is no longer an event
    name, text, pub = session_texts(40)[39]
    text = text.replace("Beijing", "Seoul")
    prepared = prepare(write(tmp_path, "later.txt", text), published=pub, extractor=own)
    assert {e.type for e in prepared.events} == {"missile_test", "talks"}
    assert {e.extractor for e in prepared.events} == {result.model_id}
    database.close()


def test_numpy_fit_learns_a_separable_rule():
    from kpolicy.learning import fit_decision

    rows = [({"bias": 1.0, "good": 1.0}, True)] * 30 + [({"bias": 1.0, "bad": 1.0}, False)] * 30
    d = model_mod.decision_from_json("t", fit_decision("binary", rows, [1.0] * len(rows), c=1.0))
    assert d.probabilities({"bias": 1.0, "good": 1.0})[True] > 0.9
    assert d.probabilities({"bias": 1.0, "bad": 1.0})[True] < 0.1


def test_the_training_script_reaches_corpus_passages_only_through_their_split(tmp_path):
    from tools.train_extractor import corpus_ids

    batch = tmp_path / "corpus" / "a"
    batch.mkdir(parents=True)
    (batch / "MANIFEST.tsv").write_text("id\tsplit\npass-one\ttrain\npass-two\ttest\npass-three\tdev\n", encoding="utf-8")
    for name in ("pass-one", "pass-two", "pass-three"):
        (batch / f"{name}.yaml").write_text("article: {}\n", encoding="utf-8")
    assert [i for i, _ in corpus_ids(tmp_path / "corpus", "train")] == ["corpus/a/pass-one"]
    assert [i for i, _ in corpus_ids(tmp_path / "corpus", "dev")] == ["corpus/a/pass-three"]
    with pytest.raises(SystemExit, match="the test split is scored by the lead only"):
        corpus_ids(tmp_path / "corpus", "test")


def test_the_training_script_reads_a_year_only_publication_date_as_january(tmp_path):
    from tools.train_extractor import read_doc

    (tmp_path / "year.txt").write_text("North Korea fired a missile on July 8.\n", encoding="utf-8")
    (tmp_path / "year.yaml").write_text("article: {file: year.txt, published: 1995}\nevents: []\n", encoding="utf-8")
    (tmp_path / "month.yaml").write_text("article: {file: year.txt, published: 1995-03}\nevents: []\n", encoding="utf-8")
    assert read_doc(tmp_path / "year.yaml")[3] == date(1995, 1, 15)  # as YYYY-01: mid-month
    assert read_doc(tmp_path / "month.yaml")[3] == date(1995, 3, 15)


def test_event_features_read_mood_negation_speech_time_and_position():
    from kpolicy.extract import extractor_for
    from kpolicy.extract.learned import event_features

    text = ("North Korea fired two ballistic missiles on Monday, the Joint Chiefs of Staff said.\n\n"
            "Seoul did not impose sanctions. Japan may hold talks with China next month.")
    pool = extractor_for("learned").pool(text, date(2024, 5, 8))

    def feats(word):
        k = next(i for i, m in enumerate(pool.mentions) if m.cand.trigger.text.lower().startswith(word))
        return event_features(pool, k)

    fired = feats("fired")
    assert {"paragraph_first", "speech_verb_in_sentence", "speech_verb_after", "clause_tense=past", "text_decile=0"} <= set(fired)
    assert any(f.startswith("time=") and f.endswith("precision=day") for f in fired)
    assert "negated" in feats("impose") and "negated" not in fired
    talks = feats("talks")
    assert "clause_mood=forecast" in talks and "negated" not in talks


def test_thresholds_are_chosen_for_recall_at_the_rules_precision():
    from tools.train_extractor import choose_thresholds

    def point(matched, precision, merge_f1=0.0):
        return {"matched": matched, "precision": precision, "merge_f1": merge_f1}

    cv = {"rules": {"precision": 0.70},
          "grid": {"0.1/0.9/rules": point(50, 0.72), "0.1/0.5/rules": point(58, 0.695),
                   "0.1/0.3/rules": point(66, 0.60), "0.3/0.5/rules": point(58, 0.71), "0.3/0.5/0.7": point(58, 0.705, 0.5)}}
    assert choose_thresholds(cv, 0.01) == (0.3, 0.5, 0.7)  # as many events, the better merges
    del cv["grid"]["0.3/0.5/0.7"]
    assert choose_thresholds(cv, 0.01) == (0.3, 0.5, None)  # as many events, the higher precision
    assert choose_thresholds(cv, 0.2) == (0.1, 0.3, None)
    cv["grid"] = {"0.1/0.3/rules": point(66, 0.60), "0.2/0.9/0.5": point(40, 0.65)}
    assert choose_thresholds(cv, 0.0) == (0.2, 0.9, 0.5)  # none reaches the floor: the most precise


def test_the_merge_model_never_joins_mentions_of_two_types_or_dated_apart():
    from kpolicy.extract.learned import LearnedExtractor

    shipped = model_mod.shipped_model()
    doc = {**shipped.doc, "use": ["event", "merge"], "thresholds": {"drop": 0.0, "add": 0.0, "merge": 0.0}}
    eager = LearnedExtractor(model=model_mod.Model(shipped.id, doc, shipped.decisions))  # every candidate an event, every merge p accepted
    text = ("North Korea fired a ballistic missile on 3 May 2024. North Korea conducted a nuclear test on 4 May 2024. "
            "North Korea fired another ballistic missile on 9 May 2024.")
    events = [e.to_json() for e in eager.extract(text, date(2024, 5, 10))]
    got = sorted((e["type"], e["date"]) for e in events)
    assert got == [("missile_test", "2024-05-03"), ("missile_test", "2024-05-09"), ("nuclear_test", "2024-05-04")]


def test_gold_events_of_two_articles_are_one_event_by_family_dates_and_actors():
    from tools.train_extractor import gold_same_event

    a = {"type": "summit", "date": "2019-02-27/2019-02-28", "actors": ["North Korea", "United States"]}
    assert gold_same_event(a, {"type": "talks", "date": "2019-02-28", "actors": ["United States"]})
    assert not gold_same_event(a, {"type": "summit", "date": "2019-06-30", "actors": ["United States"]})
    assert not gold_same_event(a, {"type": "summit", "date": "2019-02-28", "actors": ["China"]})
    assert not gold_same_event(a, {"type": "missile_test", "date": "2019-02-28", "actors": ["North Korea"]})
    assert not gold_same_event(a, {"type": "summit", "date": None, "actors": ["North Korea"]})
