/**
 * Structure selection on PK-only trials of known structure (issue 18's acceptance, for the structures
 * the library has so far). Trials in EstData's design (its subjects' BW, doses and sampling times,
 * biomarker rows left out) are simulated from a one- or a two-compartment truth with the project's
 * simulator, each fitted with both PK candidates (SAEM, VPC, degeneracy screen) and ranked by BIC as
 * `qusop fit` does; reported: how often the true structure is chosen, and the chosen fit's typical
 * values against the truth. Seeded: the same arguments give the same trials and fits.
 *   node dist/bench/selection/pk-structures.js [SEEDS_PER_STRUCTURE] [OUT_DIR]
 */
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { median } from 'd3-array';
import { readDataset } from '../../models/ingest/dataset.js';
import { trialFromDataset } from '../../models/ingest/trial-projection.js';
import type { Trial } from '../../models/ingest/trial.js';
import type { PopulationParameters } from '../../models/structures/parameters.js';
import { ONE_COMPARTMENT_PK, TWO_COMPARTMENT_PK, type Structure } from '../../models/structures/structure.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import { fitPopulationModel } from '../../models/estimate/fit.js';
import { visualPredictiveCheck } from '../../models/estimate/vpc.js';
import { fitDegeneracies } from '../../models/estimate/degeneracy.js';
import { rankCandidates, type Candidate } from '../../models/estimate/selection.js';
import { packageRoot } from '../../worker/common/version.js';

const NO_PD = { R0: 1, BETA_COMED_R0: 0, KOUT: 1, IMAX: 0.5, IC50: 1, GAMMA: 1, KE0: 1, SMAX: 1, ALAG: 0, D1: 0, SLOPE: 0, KTR: 1, Q3: 0, V3: 1, MTT: 0, VMAX: 0, KM: 1 };
const diag = (v: readonly number[]): number[][] => v.map((a, i) => v.map((_, j) => (i === j ? a : 0)));
const SIGMA = { pkProportional: 0.1, pkAdditive: 0.001, pdAdditive: 0 };

/** Truths: EstData-like slow elimination; the 2-cmt one is the shipped fit's PK, rounded. */
const TRUTHS: { structure: Structure; truth: PopulationParameters }[] = [
  { structure: ONE_COMPARTMENT_PK, truth: { fixed: { CL: 0.044, V1: 8.4, Q: 0, V2: 1, KA: 1.0, ...NO_PD }, omega: diag([0.09, 0.04, 0.05]), sigma: SIGMA } },
  { structure: TWO_COMPARTMENT_PK, truth: { fixed: { CL: 0.044, V1: 2.8, Q: 0.17, V2: 5.7, KA: 1.0, ...NO_PD }, omega: diag([0.09, 0.04, 0.05]), sigma: SIGMA } },
];

async function design(): Promise<Trial> {
  const trial = trialFromDataset(await readDataset(join(packageRoot(), 'data', 'EstData.csv')));
  return { ...trial, subjects: trial.subjects.filter((s) => s.pk.length > 0).map((s) => ({ ...s, pd: [] })) };
}

const seeds = Number(process.argv[2] ?? 5);
const out = process.argv[3] ?? join(packageRoot(), 'bench', 'selection');
const base = await design();
const rows: Record<string, unknown>[] = [];
for (const { structure, truth } of TRUTHS) {
  for (let seed = 1; seed <= seeds; seed += 1) {
    const trial = simulateTrial(base, truth, 9000 + seed, 0, structure).trial;
    const candidates: Candidate[] = [];
    for (const s of [ONE_COMPARTMENT_PK, TWO_COMPARTMENT_PK]) {
      const fit = await fitPopulationModel(trial, { seed: 20251121, structure: s });
      const vpc = visualPredictiveCheck(trial, fit.population, { replicates: 100, seed: 20251121, structure: s });
      candidates.push({ structure: s, fit, degenerate: fitDegeneracies(fit, vpc) });
    }
    const scores = rankCandidates(trial, candidates);
    const chosen = scores.findIndex((c) => c.chosen);
    const f = chosen >= 0 ? candidates[chosen]!.fit.population.fixed : undefined;
    const rel = (name: 'CL' | 'V1' | 'KA'): number => (f === undefined ? NaN : f[name] / truth.fixed[name] - 1);
    // the 1-cmt truth's volume is V1; a 2-cmt truth's total volume V1 + V2 is what one compartment would see
    const row = {
      truth: structure.id, seed, chosen: chosen >= 0 ? scores[chosen]!.structure : null, correct: chosen >= 0 && scores[chosen]!.structure === structure.id,
      bic: Object.fromEntries(scores.map((c) => [c.structure, Number(c.bic.toFixed(1))])), eligible: scores.map((c) => c.converged && c.degenerate.length === 0),
      rel_error: { CL: rel('CL'), V1: rel('V1'), KA: rel('KA') },
    };
    rows.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
}
const byTruth = TRUTHS.map(({ structure }) => {
  const mine = rows.filter((r) => r['truth'] === structure.id);
  const errs = (p: 'CL' | 'V1' | 'KA') => median(mine.filter((r) => r['correct'] === true).map((r) => Math.abs((r['rel_error'] as Record<string, number>)[p] ?? NaN))) ?? NaN;
  return { truth: structure.id, trials: mine.length, correct: mine.filter((r) => r['correct'] === true).length, medianAbsRelError: { CL: errs('CL'), V1: errs('V1'), KA: errs('KA') } };
});
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), Node ${process.versions.node}`;
await writeFile(join(out, 'results.json'), `${JSON.stringify({ machine, seeds, byTruth, rows }, null, 2)}\n`);
const md = [
  '# Structure selection on PK-only trials of known structure',
  '',
  `EstData's design (36 subjects with PK, biomarker rows left out), ${seeds} trials per truth, both PK candidates fitted and ranked by BIC (converged, non-degenerate). Machine: ${machine}. Command: \`node dist/bench/selection/pk-structures.js ${seeds}\`.`,
  '',
  '| truth | trials | true structure chosen | median abs. rel. error CL / V1 / KA (correct choices) |',
  '|---|---|---|---|',
  ...byTruth.map((b) => `| ${b.truth} | ${b.trials} | ${b.correct} (${((100 * b.correct) / b.trials).toFixed(0)} %) | ${[b.medianAbsRelError.CL, b.medianAbsRelError.V1, b.medianAbsRelError.KA].map((x) => `${(100 * x).toFixed(1)} %`).join(' / ')} |`),
  '',
].join('\n');
await writeFile(join(out, 'results.md'), md);
process.stdout.write(md);
