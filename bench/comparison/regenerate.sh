#!/usr/bin/env bash
# Regenerates bench/comparison over every model family (issue 21): the five questions answered by
# every family on the same virtual subjects (common random numbers), calibration on the held-out
# subjects, per-card inference throughput, and the tables (tables.md). A new family is one line in
# FAMILIES. Run from the repository root after `npm run build`:
#   bench/comparison/regenerate.sh                      # 200 subjects x 50 replicates (dev VM size)
#   SUBJECTS=300 REPLICATES=100 bench/comparison/regenerate.sh
#   SUBJECTS=20 REPLICATES=4 OUT=runs/cmp-smoke RECORD=runs/cmp-smoke/record bench/comparison/regenerate.sh
#                                                       # a smoke run that leaves the records here alone
# Heavy (tens of minutes on 2 cores): everything runs under nice -n 19.
set -euo pipefail
FAMILIES=(
  models/estdata                  # popmodel: the population PK/PD fit
  models/sequence-estdata         # bilstm, qk-lstm, qlstm, qt-lstm (hidden 32)
  models/sequence-estdata-paper   # qt-lstm-h64: the paper-size QT-LSTM
  models/moe-estdata              # qnn-moe
  models/baselines-estdata        # emax, emax-typical, logistic
  models/qcnn-estdata             # qcnn: the QCNN success classifier (outputs p_success)
  models/qkernel-estdata          # qkernel: quantum-kernel ridge, covariates -> the fit's etas
)
SUBJECTS=${SUBJECTS:-200}
REPLICATES=${REPLICATES:-50}
OUT=${OUT:-runs/comparison-all}
HERE=bench/comparison
RECORD=${RECORD:-$HERE}   # where the records go (bench/comparison unless a smoke run names another folder)

models=()
for f in "${FAMILIES[@]}"; do
  if compgen -G "$f/*.model.json" > /dev/null; then models+=("$f"); else echo "skipping $f (no cards)" >&2; fi
done
args=()
for f in "${models[@]}"; do args+=(--model "$f"); done

start=$(date +%s)
nice -n 19 node dist/cli/main.js answer data/EstData.csv "${args[@]}" \
  --replicates "$REPLICATES" --subjects "$SUBJECTS" --workers 2 --out "$OUT" --format md --quiet > /dev/null
echo "qusop answer: $(( $(date +%s) - start )) s" >&2
mkdir -p "$RECORD"
for f in answers.json calibration.json calibration.png summary.md report.html; do cp "$OUT/$f" "$RECORD/$f"; done
cp "$OUT/manifest.json" "$RECORD/run-timings.json"

start=$(date +%s)
nice -n 19 node dist/bench/comparison/card-throughput.js --threads 2 --reps 5 "${models[@]}" > "$RECORD/throughput.json"
echo "card-throughput: $(( $(date +%s) - start )) s" >&2
node dist/bench/comparison/tables.js --answers "$RECORD/answers.json" --calibration "$RECORD/calibration.json" \
  --throughput "$RECORD/throughput.json" --training "$HERE/training-times.json" > "$RECORD/tables.md"
echo "wrote $RECORD/tables.md" >&2
