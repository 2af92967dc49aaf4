#!/usr/bin/env bash
# The model card's DS1 alert table, from a clean clone: each of the 22 MIT-BIH DS1 records replayed through
# cgdmer-stream by the fold model of the shipped recipe that never saw it (configs/splits/mitbih-ds1-folds.txt), then
# pooled. Trains a fold model only when its run directory has none (about 15 min each on 2 CPU cores).
#
#   evaluation/scripts/ds1-fold-replays.sh [RECIPE] [-- REPLAY OPTIONS]
#
# RECIPE: the config stem, default head-hidden-12-average-bedside (configs/RECIPE-fold-{1,2}.json). Replay options
# after "--" go to every replay, e.g. "-- --leads II" for the records with V1 off. Environment: RUNS (default runs),
# DATA (default ../shared/data, as the configs expect), SEED (trains the fold models with `--seed SEED`, in run
# directories named RECIPE-fold-N-sSEED; unset: the configs' own seed).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
recipe=head-hidden-12-average-bedside
if [[ $# -gt 0 && $1 != -- ]]; then recipe=$1; shift; fi
[[ ${1:-} == -- ]] && shift
replay_options=("$@")
runs=${RUNS:-runs}
data=${DATA:-../shared/data}
folds=configs/splits/mitbih-ds1-folds.txt
tag=$(printf '%s' "${replay_options[*]:-both}" | tr -c 'A-Za-z0-9,\n' '_' | sed 's/^_*//')

for f in 1 2; do
  [[ -f configs/$recipe-fold-$f.json ]] || { echo "no config configs/$recipe-fold-$f.json" >&2; exit 2; }
done
[[ -d $data/mitbih-ds1 ]] || { echo "no MIT-BIH DS1 records in $data/mitbih-ds1 (set DATA)" >&2; exit 2; }

mkdir -p "$runs/bin"
if [[ ! -x $runs/bin/stream/cgdmer-stream ]]; then
  dotnet publish src/CGDmer.Streaming.Host -c Release -o "$runs/bin/stream" --nologo -v q
fi
for f in 1 2; do
  run=$runs/$recipe-fold-$f${SEED:+-s$SEED}
  if [[ ! -f $run/model.onnx ]]; then
    [[ -x $runs/bin/trainer/cgdmer-train ]] || dotnet publish src/CGDmer.Trainer -c Release -o "$runs/bin/trainer" --nologo -v q
    "$runs/bin/trainer/cgdmer-train" all -c "configs/$recipe-fold-$f.json" -r "$run" ${SEED:+--seed "$SEED"}
  fi
  records=()
  for r in $(awk -v f=$f '$1 == f && $2 == "test" { for (i = 3; i <= NF; i++) print $i }' "$folds"); do
    records+=(--record "$data/mitbih-ds1/$r")
  done
  "$runs/bin/stream/cgdmer-stream" replay "${records[@]}" -m "$run/model.onnx" -o "$run-replay-$tag" \
    "${replay_options[@]}" 2>&1 | grep -v "warn:"
done
/usr/bin/python3 evaluation/scripts/pool-replays.py "$runs/$recipe-fold-1${SEED:+-s$SEED}-replay-$tag" \
  "$runs/$recipe-fold-2${SEED:+-s$SEED}-replay-$tag"
