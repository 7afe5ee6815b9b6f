#!/usr/bin/env bash
# Answers on synthetic trials of known truth, per family (issue 21 acceptance): writes EstData-design
# trials of the library's 2cmt-oral-idr truth and their true Q1/Q2 minimal doses
# (synthetic-trials.ts), trains every trainable family on each trial, answers Q1 and Q2 with all of
# them on the same virtual subjects, and tabulates answer vs truth (synthetic/results.md).
# A new family: one line in TRAIN. Heavy (~10 min per trial on 2 cores); runs under nice -n 19.
#   bench/comparison/synthetic.sh            # seeds 1 2, 100 subjects x 20 replicates
#   SEEDS=2 TRAIN_UNTIL='02:45 UTC' bench/comparison/synthetic.sh
#                                            # one more seed (results of seeds already here are kept);
#                                            # no training runs past TRAIN_UNTIL (`date -d` syntax): a family
#                                            # cut there or not started is not trained and not answered
# Families train cheapest first, so a deadline cuts the slow ones (each is seeded on its own: the order
# does not change any model).
set -euo pipefail
SEEDS=${SEEDS:-1,2}
SUBJECTS=${SUBJECTS:-100}
REPLICATES=${REPLICATES:-20}
OUT=${OUT:-runs/comparison-synthetic}
HERE=bench/comparison/synthetic
UNTIL_S=$( [ -n "${TRAIN_UNTIL:-}" ] && date -d "$TRAIN_UNTIL" +%s || echo 0 )   # 0: no limit
cli() { nice -n 19 node dist/cli/main.js "$@"; }
# `limited cli ARGS`: the cli command, under `timeout` up to TRAIN_UNTIL when set (timeout runs programs, not functions)
limited() {
  shift
  if [ "$UNTIL_S" -eq 0 ]; then cli "$@"; return; fi
  local left=$(( UNTIL_S - $(date +%s) ))
  if [ "$left" -le 0 ]; then return 125; fi
  timeout "$left" nice -n 19 node dist/cli/main.js "$@"
}

nice -n 19 node dist/bench/comparison/synthetic-trials.js --out "$OUT" --seeds "$SEEDS" --subjects 5000
for seed in ${SEEDS//,/ }; do
  trial="$OUT/trial-$seed.csv"; m="$OUT/models-$seed"
  # family: the command that trains it into $m/<dir> (the population fit first: emax reads its PK card)
  TRAIN=(
    "cli fit $trial --out $m/popmodel --structure 2cmt-oral-idr --vpc-replicates 20"
    "cli train emax $trial --out $m/baselines --pk $m/popmodel/qd.model.json --seed 1 --quiet"
    "cli train emax $trial --out $m/baselines --pk $m/popmodel/qd.model.json --no-residual --seed 1 --quiet"
    "cli train logistic $trial --out $m/baselines --seed 1 --quiet"
    "cli train qkernel $trial --out $m/qkernel --fit $m/popmodel --seed 1 --quiet"
    "cli train qk-lstm $trial --out $m/sequence --seed 1 --quiet"
    "cli train qnn-moe $trial --out $m/moe --seed 1 --quiet"
    "cli train qlstm $trial --out $m/sequence --seed 1 --quiet"
    "cli train qcnn $trial --out $m/qcnn --pk $m/popmodel/qd.model.json --seed 1 --quiet"
    "cli train lstm $trial --out $m/sequence --seed 1 --quiet"
    "cli train qt-lstm $trial --out $m/sequence --seed 1 --quiet"
  )
  for cmd in "${TRAIN[@]}"; do
    start=$(date +%s); status=ok; eval "limited $cmd" > /dev/null || status="not trained (exit $?; 124: cut at TRAIN_UNTIL, 125: not started)"
    echo "seed $seed: ${cmd%% --out*}: $status, $(( $(date +%s) - start )) s" >&2
  done
  args=(); for d in "$m"/*/; do if compgen -G "$d*.model.json" > /dev/null; then args+=(--model "$d"); fi; done
  start=$(date +%s)
  cli answer "$trial" --questions "$HERE/q1-q2.yaml" "${args[@]}" --replicates "$REPLICATES" --subjects "$SUBJECTS" \
    --workers 2 --out "$OUT/$seed" --quiet > /dev/null
  echo "seed $seed: qusop answer $(( $(date +%s) - start )) s" >&2
  mkdir -p "$HERE/$seed"; cp "$OUT/$seed/answers.json" "$HERE/$seed/"
done
# truth.json: the true doses do not depend on the trial seed (one base population of EstData's design);
# the trials list keeps the seeds recorded here before
node -e '
  const fs = require("node:fs"); const [fresh, kept] = process.argv.slice(1);
  const t = JSON.parse(fs.readFileSync(fresh, "utf8"));
  if (fs.existsSync(kept)) {
    const k = JSON.parse(fs.readFileSync(kept, "utf8"));
    if (JSON.stringify(k.answers) !== JSON.stringify(t.answers)) throw new Error(`${kept}: true doses differ from ${fresh}`);
    t.trials = [...k.trials.filter((x) => !t.trials.some((y) => y.seed === x.seed)), ...t.trials].sort((a, b) => a.seed - b.seed);
  }
  fs.writeFileSync(kept, JSON.stringify(t, null, 2) + "\n");' "$OUT/truth.json" "$HERE/truth.json"
node dist/bench/comparison/tables.js --synthetic "$HERE" > "$HERE/results.md"
echo "wrote $HERE/results.md" >&2
