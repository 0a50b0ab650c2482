"""tools/corpus.py: the corpus manifest is rebuilt from the batches without losing the record of a
batch that is not on this machine."""

from __future__ import annotations

import hashlib

from tools import corpus

HEADER = "\t".join(corpus.MANIFEST_FIELDS)


def _row(**values) -> str:
    return "\t".join(values.get(k, "") for k in corpus.MANIFEST_FIELDS)


def test_collect_keeps_the_rows_of_a_batch_whose_folder_is_absent(tmp_path):
    docs, tree = tmp_path / "docs", tmp_path / "corpus"
    docs.mkdir()
    (docs / "MANIFEST.tsv").write_text(HEADER + "\n" + _row(id="old-2019-01-01-lost", split=corpus.split_of("old-2019-01-01-lost"),
                                                            url="https://example.org/old", sha256="ab" * 32, batch="a") + "\n")
    (tree / "f").mkdir(parents=True)
    text = tree / "f" / "new-2020-02-02-kept.txt"
    text.write_text("Pyongyang fired a missile on Sunday.\n", encoding="utf-8")
    (tree / "f" / "MANIFEST.tsv").write_text(HEADER + "\n" + _row(id="new-2020-02-02-kept", url="https://example.org/new") + "\n")

    rows, kept = corpus.collect(tree, docs)

    assert kept == ["a"]
    by_id = {r["id"]: r for r in rows}
    assert by_id["old-2019-01-01-lost"]["url"] == "https://example.org/old"
    assert by_id["new-2020-02-02-kept"]["sha256"] == hashlib.sha256(text.read_bytes()).hexdigest()
    assert by_id["new-2020-02-02-kept"]["split"] == corpus.split_of("new-2020-02-02-kept")
    assert (docs / "MANIFEST.tsv").read_text().count("\n") == 3


def test_the_split_is_fixed_by_the_id_alone():
    assert {corpus.split_of(f"x-{i}") for i in range(60)} == {"train", "dev", "test"}
    assert corpus.split_of("aca-2018-09-chronology-diplomacy") == "dev"
