#!/usr/bin/env bash
# Re-code fixed inputs and compare the JSONL byte for byte with reference outputs.
#
# Used while optimising `testimonycoder code` (issue 8): a speed-up must not change any output.
#
#   benchmarks/check_identical.sh ref     # write the reference outputs (before any change)
#   benchmarks/check_identical.sh         # re-code and cmp against them (exit 1 on a difference)
#
# REF (default /work/perf2_ref) holds the references, a frozen copy of the model (REF/model, so
# that retraining models/default meanwhile does not move the target; MODEL overrides it, e.g. the
# same model converted to a new file format) and the synthetic corpus
# REF/synth300k.jsonl (built with benchmarks/synth.py, seed 300000). Every input is coded with
# the model and rules-only; the synthetic corpus also with --n-process 2.
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${REF:-/work/perf2_ref}
MODEL=${MODEL:-$REF/model}
MODE=${1:-check}
OUT=$([ "$MODE" = ref ] && echo "$REF/out" || mktemp -d)
mkdir -p "$OUT"
export PYTHONPATH=src HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1

inputs=(
  "train:corpus/train.jsonl"
  "validation:corpus/validation.jsonl"
  "test:corpus/test.jsonl"
  "samples:corpus/samples"
  "synth300k:$REF/synth300k.jsonl"
)

jobs=()
for item in "${inputs[@]}"; do
  name=${item%%:*}
  path=${item#*:}
  jobs+=("$name-model|$path|--model $MODEL")
  jobs+=("$name-rules|$path|--rules-only")
done
jobs+=("synth300k-model-np2|$REF/synth300k.jsonl|--model $MODEL --n-process 2")

run() {
  local name=${1%%|*} rest=${1#*|}
  local path=${rest%%|*} opts=${rest#*|}
  # shellcheck disable=SC2086
  python -m testimonycoder code "$path" --out "$OUT/$name.jsonl" --force $opts >/dev/null 2>&1 \
    || { echo "FAILED: $name"; return 1; }
}
export -f run
export OUT REF
printf '%s\n' "${jobs[@]}" | xargs -P 2 -I{} bash -c 'run "$@"' _ {}

if [ "$MODE" = ref ]; then
  # The 2-process run must equal the 1-process one; keep one reference for both.
  cmp "$OUT/synth300k-model.jsonl" "$OUT/synth300k-model-np2.jsonl"
  echo "references written to $OUT"
  exit 0
fi
status=0
for item in "${jobs[@]}"; do
  name=${item%%|*}
  ref=$REF/out/$name.jsonl
  if cmp -s "$ref" "$OUT/$name.jsonl"; then
    echo "identical: $name"
  else
    echo "DIFFERENT: $name"
    status=1
  fi
done
[ $status -eq 0 ] && rm -rf "$OUT" || echo "outputs kept in $OUT"
exit $status
