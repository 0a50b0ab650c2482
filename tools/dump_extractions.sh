#!/bin/bash
# usage: tools/dump_extractions.sh OUTDIR
#
# The extraction output of every text the project measures on, for a before/after `diff -r`
# of a change that must not change behaviour (docs/architecture.md, "Behaviour unchanged"):
# the seed article, every text in tests/fixtures (the regression set with its
# gold's publication date, the other fixtures at 2019-03-01), every passage of
# ../shared/eval/dev and ../shared/eval/train (published as its gold says), and ../corpus/dev
# when present; then `kpolicy export --format json` of a seeded database and of a database
# that ingested the fixtures.  stdout and stderr of each run are kept, so a run that used to
# fail must fail the same way.
#
#   KPOLICY="python -m kpolicy" PYTHON=python tools/dump_extractions.sh /tmp/before
#   ... change ...
#   tools/dump_extractions.sh /tmp/after && diff -r /tmp/before /tmp/after && echo IDENTICAL
out=$1; mkdir -p "$out"
K=${KPOLICY:-kpolicy}
PY=${PYTHON:-python3}
W=$(cd "$(dirname "$0")/.." && pwd)
S=""
for p in "$W/../shared" "$W/../../shared" /work/shared; do [ -d "$p/eval" ] && { S=$p; break; }; done
run() { # file published name
  $K extract "$1" --published "$2" > "$out/$3.jsonl" 2> "$out/$3.err"
  echo "rc=$?" >> "$out/$3.err"
}
throttle() { while [ "$(jobs -r | wc -l)" -ge "${JOBS:-2}" ]; do sleep 0.1; done; }
run "$W/data/articles/changes-in-north-koreas-policy.md" 2020-02-05 seed &
for f in "$W"/tests/fixtures/*.md "$W"/tests/fixtures/*.txt; do
  throttle; run "$f" 2019-03-01 "fix-$(basename "$f")" &
done
for dir in "$S/eval/dev:dev" "$S/eval/train:train" "$W/tests/fixtures/regression:gen" "$W/../corpus/dev:cdev"; do
  d=${dir%%:*}; p=${dir##*:}
  [ -d "$d" ] || continue
  for y in "$d"/*.yaml; do
    f=$($PY -c "import yaml,sys;g=yaml.safe_load(open('$y'));print(g['article']['file'], g['article']['published'])")
    set -- $f
    throttle; run "$d/$1" "$2" "$p-$(basename "$y" .yaml)" &
  done
done
wait
db=$(mktemp -d)
$K seed --db "$db/seed.db" > /dev/null 2>&1
$K export --db "$db/seed.db" --format json > "$out/export-seed.json" 2> "$out/export-seed.err"
$K ingest --db "$db/fix.db" "$W"/tests/fixtures/regression "$W"/tests/fixtures/hanoi-one.md "$W"/tests/fixtures/hanoi-two.txt 2>&1 | sed "s#$db#DB#g" > "$out/ingest-fix.out"
$K export --db "$db/fix.db" --format json > "$out/export-fix.json" 2> "$out/export-fix.err"
rm -rf "$db"
ls "$out"/*.jsonl | wc -l
