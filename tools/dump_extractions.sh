#!/bin/bash
# usage: dump.sh OUTDIR  -- extraction output of seed, shared dev, generality fixtures, corpus dev
out=$1; mkdir -p $out
K=${KPOLICY:-kpolicy}
W=$(cd "$(dirname "$0")/.." && pwd)
jobs=()
run() { # file published name
  $K extract "$1" --published "$2" > "$out/$3.jsonl" 2> "$out/$3.err" &
}
run $W/data/articles/changes-in-north-koreas-policy.md 2020-02-05 seed
for dir in $W/../shared/eval/dev:dev $W/tests/fixtures/generality:gen $W/../corpus/dev:cdev; do
  d=${dir%%:*}; p=${dir##*:}
  for y in $d/*.yaml; do
    f=$(${PYTHON:-python3} -c "import yaml,sys;g=yaml.safe_load(open('$y'));print(g['article']['file'], g['article']['published'])")
    set -- $f
    run "$d/$1" "$2" "$p-$(basename $y .yaml)"
    while [ $(jobs -r | wc -l) -ge 4 ]; do sleep 0.1; done
  done
done
wait
