"""Hostile annotation files and front matter (issue 15, items 6, 9 and 13): path traversal,
YAML alias bombs, and values of the wrong shape that used to be stored mangled or crash.
Each is one line `kpolicy: error: <problem>; <fix>`, exit 2, database untouched."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kpolicy.errors import BadInput
from kpolicy.extract.text import document_from_text
from robustness_helpers import GOOD_SENTENCE, good_event, write_annotation

ARTICLE = f"# Note\n\n{GOOD_SENTENCE}\n"


def _seed(cli, path: Path, *extra: str):
    return cli("seed", "--annotation", str(path), *extra)


def _assert_refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kpolicy: error: "), result.stderr
    assert "Traceback" not in result.output
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture
def seeded_cli(cli):
    return cli


# ---- 6: an annotation's article must resolve inside the annotation's folder
@pytest.mark.parametrize("article_file", ["/etc/passwd", "../secret.txt", "sub/../../secret.txt", "link.txt"])
def test_article_file_outside_the_annotation_folder_is_refused(tmp_path, seeded_cli, article_file):
    folder = tmp_path / "notes"
    (tmp_path / "secret.txt").write_text(GOOD_SENTENCE + " top secret\n")
    folder.mkdir()
    (folder / "link.txt").symlink_to(tmp_path / "secret.txt")
    path = write_annotation(folder, article_file=article_file)
    before = seeded_cli("sources", "--format", "csv").stdout
    _assert_refused(_seed(seeded_cli, path), "outside", "--article-root")
    assert seeded_cli("sources", "--format", "csv").stdout == before


def test_article_root_allows_a_folder_explicitly(tmp_path, seeded_cli):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "note.md").write_text(ARTICLE)
    path = write_annotation(tmp_path / "annotations", article_file="../articles/note.md")
    _assert_refused(_seed(seeded_cli, path), "outside")
    result = _seed(seeded_cli, path, "--article-root", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "note" in seeded_cli("sources", "--format", "csv").stdout


# ---- 9: YAML alias bombs
def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_an_annotation_is_refused_at_once(tmp_path, seeded_cli):
    path = write_annotation(tmp_path, article=ARTICLE, raw_yaml=_bomb() + "article: {id: x}\nevents: []\n")
    t0 = time.perf_counter()
    result = _seed(seeded_cli, path)
    assert time.perf_counter() - t0 < 20
    _assert_refused(result, "aliases")


def test_alias_bomb_in_front_matter_is_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(BadInput, match="aliases"):
        document_from_text("---\n" + _bomb() + "---\nNorth Korea tested missiles in May 2019.\n", ".md")
    assert time.perf_counter() - t0 < 20


def test_a_few_aliases_still_load():
    from kpolicy import safe_yaml

    assert safe_yaml.load("a: &x [1, 2]\nb: *x\n", "t") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(BadInput, match="refers to itself"):
        safe_yaml.load("a: &a [*a]\n", "t")
    with pytest.raises(BadInput, match="nested"):
        safe_yaml.load("[" * 5000, "t")


# ---- 13 (annotation side) and 12: values of the wrong shape
@pytest.mark.parametrize(
    "changes, words",
    [
        ({"mentions": "North Korea"}, ("mentions must be a list",)),
        ({"mentions": [5]}, ("mentions must be a list",)),
        ({"quote": ""}, ("quote must be a non-empty",)),
        ({"mentions": [""]}, ("quote must be a non-empty",)),
        ({"title": ["a", "b"]}, ("title must be",)),
        ({"confidence": "high"}, ("confidence 'high'",)),
        ({"confidence": 7}, ("confidence 7",)),
        ({"actors": 5}, ("actors must be a list",)),
        ({"description": {"a": 1}}, ("description must be text",)),
    ],
)
def test_wrong_shapes_are_refused_not_mangled(tmp_path, seeded_cli, changes, words):
    path = write_annotation(tmp_path, article=ARTICLE, events=[good_event(**changes)])
    before = seeded_cli("sources", "--format", "csv").stdout
    _assert_refused(_seed(seeded_cli, path), *words)
    assert seeded_cli("sources", "--format", "csv").stdout == before


def test_article_title_must_be_text(tmp_path, seeded_cli):
    path = write_annotation(tmp_path, article=ARTICLE, article_meta={"title": ["a", "b"]})
    _assert_refused(_seed(seeded_cli, path), "article.title must be a line of text")


def test_a_folder_as_the_article_is_refused(tmp_path, seeded_cli):
    (tmp_path / "sub.md").mkdir()
    path = write_annotation(tmp_path, article_file="sub.md")
    _assert_refused(_seed(seeded_cli, path), "folder")
