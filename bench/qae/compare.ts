/**
 * Simulated amplitude estimation vs Monte Carlo (issue 19 item 7): oracle queries of simulated IQAE
 * (analysis/amplitude/) and Monte Carlo samples needed for the same half-width, at half-widths 2 %, 1 %,
 * 0.5 % and success probabilities 0.5, 0.75, 0.9. Queries are medians (and 10 % / 90 % quantiles) over
 * SEEDS seeds of the simulated measurements; Monte Carlo's count is a function of (p, epsilon, alpha)
 * alone. Counts, not times: the machine is recorded for provenance only (the counts are the same on any
 * machine). Writes bench/qae/results.{json,md}.
 *
 *   node dist/bench/qae/compare.js [SEEDS]
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileSorted } from 'd3-array';
import { DEFAULT_SHOTS, iterativeQae } from '../../analysis/amplitude/iqae.js';
import { monteCarloSamples } from '../../analysis/amplitude/mc-samples.js';
import { philoxShots, cellKey } from '../../analysis/amplitude/shots.js';
import { machineInfo } from '../perf/machine.js';

const SEEDS = Number(process.argv[2] ?? 201);
const ALPHA = 0.05;
const HALF_WIDTHS = [0.02, 0.01, 0.005];
const PROBABILITIES = [0.5, 0.75, 0.9];
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(here, '..', '..', '..', 'bench', 'qae');

interface Row {
  readonly p: number;
  readonly half_width: number;
  readonly simulated_qae_queries_median: number;
  readonly simulated_qae_queries_q10: number;
  readonly simulated_qae_queries_q90: number;
  /** fraction of the seeds whose final interval holds p */
  readonly simulated_qae_coverage: number;
  readonly mc_samples: number;
  readonly mc_to_simulated_qae: number;
}

function row(p: number, e: number): Row {
  const queries: number[] = [];
  let covered = 0;
  for (let seed = 0; seed < SEEDS; seed += 1) {
    const r = iterativeQae(p, { epsilon: e, alpha: ALPHA, shots: DEFAULT_SHOTS }, philoxShots(seed, cellKey('bench', 'qae', 'p', p)));
    queries.push(r.queries);
    if (r.lo <= p && p <= r.hi) covered += 1;
  }
  queries.sort((a, b) => a - b);
  const q = (f: number): number => quantileSorted(queries, f) ?? Number.NaN;
  const mc = monteCarloSamples(p, e, ALPHA);
  return {
    p, half_width: e, simulated_qae_queries_median: q(0.5), simulated_qae_queries_q10: q(0.1), simulated_qae_queries_q90: q(0.9),
    simulated_qae_coverage: covered / SEEDS, mc_samples: mc, mc_to_simulated_qae: mc / q(0.5),
  };
}

const rows = PROBABILITIES.flatMap((p) => HALF_WIDTHS.map((e) => row(p, e)));
const machine = machineInfo();
const when = new Date().toISOString().slice(0, 10);
await writeFile(join(outDir, 'results.json'), `${JSON.stringify({ simulated: true, date: when, seeds: SEEDS, alpha: ALPHA, shots_per_round: DEFAULT_SHOTS, machine, rows }, null, 2)}\n`);
const pct = (x: number): string => `${+(x * 100).toPrecision(3)} %`;
const md = [
  '# Amplitude estimation (simulated) vs Monte Carlo: cost of a confidence interval',
  '',
  `${when}; ${machine.cpuModel} (${machine.cores} cores), Node ${machine.node}. Counts, not times: the same on any machine.`,
  `Simulated IQAE (Clopper–Pearson variant, ${DEFAULT_SHOTS} shots per round, confidence ${pct(1 - ALPHA)}): oracle queries, one per application of A or Q`,
  `(a shot after k Grover iterations costs k + 1), median and 10-90 % range over ${SEEDS} seeds; coverage = share of those seeds whose interval holds p.`,
  `Monte Carlo: smallest n whose exact Clopper–Pearson interval at k = round(n p) has the half-width (no seed involved).`,
  '',
  '| p | half-width | simulated QAE oracle queries (median) | simulated QAE 10-90 % | simulated QAE coverage | Monte Carlo samples | MC samples / simulated QAE queries |',
  '|---:|---:|---:|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.p} | ${pct(r.half_width)} | ${r.simulated_qae_queries_median} | ${r.simulated_qae_queries_q10}-${r.simulated_qae_queries_q90} | ${pct(r.simulated_qae_coverage)} | ${r.mc_samples} | ${r.mc_to_simulated_qae.toFixed(2)} |`),
  '',
  'Halving the half-width multiplies Monte Carlo samples by ~4 (1/epsilon^2) and the simulated queries by ~2 (1/epsilon, with',
  "steps: the Grover power k jumps by factors >= 2, so one p's queries move in a staircase). The quadratic advantage is in",
  'the exponent: IQAE\'s constant (100 shots per round, a union bound over rounds) keeps the two within ~2x at 2 % (equal at',
  'p = 0.9), and nearer p = 0 or 1, where Monte Carlo\'s variance p (1 - p) is small, Monte Carlo can need fewer samples than',
  'simulated IQAE needs queries. These are simulated query counts: nothing here says how long either would take.',
  '',
].join('\n');
await writeFile(join(outDir, 'results.md'), md);
process.stdout.write(md);
