"""The curated-annotation loader: all or nothing, and every rejection names file, event and reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpolicy.ingest import article_text
from kpolicy.store.annotations import bundled_annotations, load_annotation
from kpolicy.errors import BadInput
from kpolicy.authority import load_gazetteer

ANNOTATION = bundled_annotations()[0]
ARTICLE = ANNOTATION.parent.parent / "articles" / "changes-in-north-koreas-policy.md"


def test_bundled_annotation_loads():
    annotation = load_annotation(ANNOTATION, load_gazetteer(), article_root=ANNOTATION.parent.parent, read=article_text)
    assert annotation.source.slug == "changes-in-north-koreas-policy"
    assert str(annotation.source.published) == "2020-02-05"
    for event in annotation.events:
        for m in event.mentions:
            assert annotation.source.text[m.char_start : m.char_end] == m.quote


def write_annotation(tmp_path: Path, event_yaml: str) -> Path:
    (tmp_path / "annotations").mkdir()
    shutil.copy(ARTICLE, tmp_path / "annotations" / ARTICLE.name)
    path = tmp_path / "annotations" / "test.yaml"
    path.write_text(
        "article:\n  id: test\n  file: " + ARTICLE.name + "\n  title: T\n  published: 2020-02-05\n"
        "events:\n"
        "  - {title: Good one, type: plenum, date: 2019-12-28/2019-12-31, status: occurred,\n"
        "     actors: [WPK Central Committee], quote: \"WPK Central Committee plenum on 28-31 December 2019\"}\n"
        + event_yaml,
        encoding="utf-8",
    )
    return path


GOOD = "  - {title: Second, type: summit, date: 2019-02, status: occurred, actors: [Kim Jong-un], quote: \"Hanoi\"}\n"


@pytest.mark.parametrize(
    "event_yaml, reason",
    [
        (GOOD.replace('quote: "Hanoi"', 'quote: "Pyongyang bombed the moon"'), "quote 'Pyongyang bombed the moon' is not in the article's text"),
        (GOOD.replace("Kim Jong-un", "Kim Jong-nam"), "unknown actor 'Kim Jong-nam'"),
        (GOOD.replace("type: summit", "type: sumit"), "unknown type 'sumit' (did you mean 'summit'?)"),
        (GOOD.replace("date: 2019-02", "date: 2019-13"), "invalid date '2019-13'"),
        (GOOD.replace("date: 2019-02", "date: February"), "invalid date 'February'"),
        (GOOD.replace("status: occurred", "status: happened"), "unknown status 'happened'"),
        (GOOD.replace("quote: \"Hanoi\"", "place: Atlantis, quote: \"Hanoi\""), "unknown place 'Atlantis'"),
        (GOOD.replace("title: Second, ", ""), "missing title"),
    ],
)
def test_a_bad_event_rejects_the_file_naming_event_and_reason(tmp_path, event_yaml, reason):
    path = write_annotation(tmp_path, event_yaml)
    with pytest.raises(BadInput) as info:
        load_annotation(path, load_gazetteer(), read=article_text)
    message = str(info.value)
    assert str(path) in message
    assert "event #2" in message
    assert reason in message
    assert "nothing from this file was loaded" in message
    assert "\n" not in message


def test_yaml_syntax_error_reports_the_line(tmp_path):
    path = write_annotation(tmp_path, "  - {title: broken, type: [plenum\n")
    with pytest.raises(BadInput) as info:
        load_annotation(path, load_gazetteer(), read=article_text)
    assert f"{path}: line 10, column 1 (in what opens at line 9)" in str(info.value)
    assert "fix the syntax there" in str(info.value)


def test_missing_article_file_is_named(tmp_path):
    path = write_annotation(tmp_path, GOOD)
    (tmp_path / "annotations" / ARTICLE.name).unlink()
    with pytest.raises(BadInput, match="no such file"):
        load_annotation(path, load_gazetteer(), read=article_text)


def test_aliases_resolve_to_canonical_actors(tmp_path):
    path = write_annotation(tmp_path, GOOD.replace("Kim Jong-un", "DPRK"))
    annotation = load_annotation(path, load_gazetteer(), read=article_text)
    assert annotation.events[1].actors == [("North Korea", "participant")]
