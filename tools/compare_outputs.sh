#!/usr/bin/env bash
# Dump the extraction output of every text in tests/fixtures, the seed article and
# ../shared/eval/dev, and a seeded database's export, into folder $2 using the kpolicy
# at $1 (a venv's bin/kpolicy). Run it before and after a change, then `diff -r`.
#   tools/compare_outputs.sh .venv/bin/kpolicy /tmp/before   # on the old commit
#   tools/compare_outputs.sh .venv/bin/kpolicy /tmp/after    # on the new one
#   diff -r /tmp/before /tmp/after && echo IDENTICAL
set -euo pipefail
KP=$1; OUT=$2; ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$OUT"; mkdir -p "$OUT/extract"
published() {  # the `published` field of the annotation beside a text, else its front matter
  local y="${1%.*}.yaml"
  if [ -f "$y" ]; then grep -m1 -E '^\s*published:' "$y" | sed -E 's/.*published:\s*"?([0-9-]+).*/\1/'; fi
}
for f in "$ROOT"/tests/fixtures/*.* "$ROOT"/tests/fixtures/regression/*.* "$ROOT"/data/articles/*.* \
         /work/shared/eval/dev/*.txt; do
  case "$f" in *.yaml|*README.md) continue;; esac
  p=$(published "$f")
  name=$(basename "$(dirname "$f")")-$(basename "$f")
  if [ -n "$p" ]; then "$KP" extract "$f" --published "$p" > "$OUT/extract/$name.jsonl" 2>&1 || true
  else "$KP" extract "$f" > "$OUT/extract/$name.jsonl" 2>&1 || true; fi
done
DB=$(mktemp -d)/seeded.db
"$KP" init --db "$DB" --seed > /dev/null 2>&1
"$KP" export --db "$DB" --format json > "$OUT/export.json"
"$KP" export --db "$DB" --format csv > "$OUT/export.csv"
"$KP" actors --db "$DB" > "$OUT/actors.txt"
# the ingest path too: every dev passage into the seeded database, at its published date
for f in /work/shared/eval/dev/*.txt; do
  "$KP" ingest "$f" --db "$DB" --published "$(published "$f")" > /dev/null 2>&1 || true
done
"$KP" export --db "$DB" --format json | sed -E 's/"(added|updated)_at": "[^"]*"//g' > "$OUT/export-ingested.json"
"$KP" actors --db "$DB" > "$OUT/actors-ingested.txt"
rm -rf "$(dirname "$DB")"
