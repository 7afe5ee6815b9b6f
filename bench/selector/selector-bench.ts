/**
 * The learned structure selector (issue 20 item 1) measured on held-out synthetic trials in EstData's
 * design (PK rows; the shipped weights, models/selector-estdata):
 *  1. class accuracy on fresh trials of the training generator (seed HOLDOUT_SEED, never trained on)
 *     at fixed proportional noise levels, per true class (1cmt-oral, 2cmt-oral, 3cmt-oral);
 *  2. on trials of the library's PK truths (bench/selection/library-truths.ts: 1cmt-oral, 2cmt-oral at
 *     their own noise), the selector's top class and shortlist against likelihood selection: all
 *     default candidates fitted and ranked by BIC as `qusop fit` does (one after the other, wall time
 *     of each), agreement of the top class with BIC, BIC's choice inside the shortlist, and the fit time
 *     the shortlist saves (the candidates it leaves out).
 *
 *   node dist/bench/selector/selector-bench.js [--per-cell 30] [--fit-trials 2] [--selector DIR]
 * Writes results.json and results.md beside this script (machine noted by the caller in the README).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../worker/common/version.js';
import { readTrialForFit } from '../../analysis/fit/fit-trial.js';
import { fitCandidates } from '../../analysis/fit/candidate-pool.js';
import { rankCandidates } from '../../models/estimate/selection.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import { readSelector } from '../../models/selector/weights-file.js';
import { proposeStructures, selectorOutputs } from '../../models/selector/shortlist.js';
import { selectorClasses } from '../../models/selector/train.js';
import { simulatedExample, trainingDesign } from '../../models/selector/synthetic.js';
import { normalisation, subjectsRead } from '../../models/selector/features.js';
import { LIBRARY_TRUTHS } from '../selection/library-truths.js';

const HOLDOUT_SEED = 424242;
const NOISE_LEVELS = [0.05, 0.15, 0.3] as const;

const { values: args } = parseArgs({ options: { 'per-cell': { type: 'string', default: '30' }, 'fit-trials': { type: 'string', default: '2' }, selector: { type: 'string' } } });
const perCell = Number(args['per-cell']);
const fitTrials = Number(args['fit-trials']);
const root = packageRoot();
const sel = await readSelector(args.selector ?? join(root, 'models', 'selector-estdata'));
const { trial: estdata } = await readTrialForFit(join(root, 'data', 'EstData.csv'), undefined);
const pkOnly = { ...estdata, subjects: estdata.subjects.map((s) => ({ ...s, pd: [] })) };
const classes = selectorClasses(estdata);
const design = trainingDesign(estdata, classes, subjectsRead(estdata), normalisation(estdata));

// 1. accuracy by noise level and true class
const accuracy = [];
for (const noise of NOISE_LEVELS) {
  const examples = Array.from({ length: perCell * classes.length }, (_, i) => simulatedExample(design, HOLDOUT_SEED, i, noise));
  const out = await selectorOutputs(sel, examples.map((e) => e.tokens));
  const hits = classes.map(() => ({ n: 0, correct: 0 }));
  examples.forEach((e, i) => {
    const p = out[i]!.probs;
    const top = p.indexOf(Math.max(...p));
    hits[e.label]!.n += 1;
    if (top === e.label) hits[e.label]!.correct += 1;
  });
  const total = hits.reduce((s, h) => s + h.correct, 0) / examples.length;
  accuracy.push({ noise, trials: examples.length, accuracy: total, by_class: Object.fromEntries(classes.map((c, k) => [c.id, hits[k]!.correct / hits[k]!.n])) });
  process.stderr.write(`noise ${noise}: accuracy ${(100 * total).toFixed(1)} % over ${examples.length} trials\n`);
}

// 2. library truths: selector vs BIC, fit time saved
const agreement = [];
for (const id of ['1cmt-oral', '2cmt-oral'] as const) {
  const truth = LIBRARY_TRUTHS.find((t) => t.structure.id === id)!;
  for (let r = 0; r < fitTrials; r += 1) {
    const sim = simulateTrial(pkOnly, truth.truth, HOLDOUT_SEED + 1, 100 * (id === '1cmt-oral' ? 1 : 2) + r, truth.structure).trial;
    const proposal = await proposeStructures(sel, sim);
    const fits = [];
    const seconds: Record<string, number> = {};
    for (const s of classes) {
      const t0 = Date.now();
      fits.push(...(await fitCandidates(sim, [s], { seed: 20251121, draws: 10, vpcReplicates: 50 }, 1, () => undefined)));
      seconds[s.id] = (Date.now() - t0) / 1000;
    }
    const bic = rankCandidates(sim, fits).find((c) => c.chosen)?.structure ?? null;
    const all = Object.values(seconds).reduce((a, b) => a + b, 0);
    const saved = classes.filter((s) => !proposal.shortlist.includes(s.id)).reduce((a, s) => a + seconds[s.id]!, 0);
    const row = { truth: id, replicate: r, selector_top: proposal.shortlist[0]!, shortlist: proposal.shortlist, probabilities: proposal.probabilities, bic_choice: bic, top_agrees: proposal.shortlist[0] === bic, bic_in_shortlist: bic !== null && proposal.shortlist.includes(bic), fit_seconds: seconds, seconds_all: all, seconds_saved: saved };
    agreement.push(row);
    process.stderr.write(`${id} #${r}: selector ${proposal.shortlist.join('>')}, BIC ${bic}, fits ${all.toFixed(0)} s, saved ${saved.toFixed(0)} s\n`);
  }
}

const results = { selector: { path: sel.path, weights_sha256: sel.file.weights_sha256, training: sel.file.training }, holdout_seed: HOLDOUT_SEED, accuracy, agreement };
const here = join(root, 'bench', 'selector');
await writeFile(join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const n = agreement.length;
const md = [
  '# Learned structure selector on held-out synthetic trials (EstData design)',
  '',
  `Weights: \`models/selector-estdata/selector.json\` (sha256 ${sel.file.weights_sha256.slice(0, 12)}); held-out seed ${HOLDOUT_SEED}. Machine: see README.md.`,
  '',
  '## Class accuracy (training generator, fresh seed)',
  '',
  `| proportional noise | trials | accuracy | ${classes.map((c) => c.id).join(' | ')} |`,
  `|---|---|---|${classes.map(() => '---|').join('')}`,
  ...accuracy.map((a) => `| ${a.noise} | ${a.trials} | ${pct(a.accuracy)} | ${classes.map((c) => pct(a.by_class[c.id] ?? NaN)).join(' | ')} |`),
  '',
  '## Against likelihood selection (library truths, all defaults fitted)',
  '',
  '| truth | # | selector (shortlist) | BIC chose | top = BIC | BIC in shortlist | fits s | saved s |',
  '|---|---|---|---|---|---|---|---|',
  ...agreement.map((a) => `| ${a.truth} | ${a.replicate} | ${a.shortlist.join(', ')} | ${a.bic_choice} | ${a.top_agrees ? 'yes' : 'no'} | ${a.bic_in_shortlist ? 'yes' : 'no'} | ${a.seconds_all.toFixed(0)} | ${a.seconds_saved.toFixed(0)} |`),
  '',
  `Top class = BIC's choice on ${agreement.filter((a) => a.top_agrees).length}/${n}; BIC's choice in the shortlist on ${agreement.filter((a) => a.bic_in_shortlist).length}/${n}; fit time saved ${pct(agreement.reduce((s, a) => s + a.seconds_saved, 0) / Math.max(agreement.reduce((s, a) => s + a.seconds_all, 0), 1e-9))} of the sequential fits of all defaults.`,
  '',
];
await writeFile(join(here, 'results.md'), md.join('\n'));
