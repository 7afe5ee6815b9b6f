/**
 * `qusop fit`: the fit with progress on stderr, the parameter table and where everything went on
 * stdout. Exit 1 when the fit did not converge or is degenerate (then nothing is exported unless
 * --force, and stderr names every problem).
 */
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { degeneracySummary } from '../../models/estimate/degeneracy.js';
import { candidatePlan, fitTrial, readTrialForFit } from './fit-trial.js';
import { parseStructures, structureById } from '../../models/structures/structure.js';
import { fitCandidates } from './candidate-pool.js';
import { candidateFile, candidateKey } from './candidate-store.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import { packageRoot } from '../../worker/common/version.js';
import type { PreselectMethod } from './preselect.js';
import { uncertaintyOption, type UncertaintyArgs } from './hmc-options.js';

/** The fit command's arguments; --uncertainty and the --hmc-* options as hmc-options.ts declares them. */
export interface FitCommandArgs extends UncertaintyArgs {
  readonly trial: string;
  readonly dataSpec?: string | undefined;
  /** comma-separated candidate structure ids (default: all) */
  readonly structure?: string | undefined;
  readonly out: string;
  readonly seed: number;
  readonly draws: number;
  readonly vpcReplicates: number;
  readonly force?: boolean | undefined;
  /** candidate fits at once (worker threads) */
  readonly parallel?: number | undefined;
  /** keep candidate fits in this folder and reuse those stored for the same inputs (candidate-store.ts) */
  readonly candidateStore?: string | undefined;
  /** with candidateStore: fit nothing, every candidate must be stored (the selection job after a SLURM array) */
  readonly storedOnly?: boolean | undefined;
  /** with candidateStore: fit this one candidate into the store and stop (a SLURM array task) */
  readonly onlyCandidate?: string | undefined;
  /** shortlist the default candidates with a learned selector (preselect.ts) */
  readonly preselect?: PreselectMethod | undefined;
  /** the selector's weights folder (default the shipped EstData one) */
  readonly selector?: string | undefined;
}

export async function fitCommand(a: FitCommandArgs): Promise<number> {
  for (const [field, v] of [['--draws', a.draws], ['--vpc-replicates', a.vpcReplicates]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${field} is ${v}; expected an integer >= 1`);
  }
  const structures = parseStructures(a.structure);
  const uncertainty = uncertaintyOption(a);
  if (uncertainty !== undefined && a.onlyCandidate !== undefined) throw new InputError('--uncertainty hmc: not with --only-candidate (the posterior is sampled for the chosen candidate of a whole fit)', { details: { field: '--uncertainty' } });
  if (a.candidateStore === undefined && (a.storedOnly === true || a.onlyCandidate !== undefined)) {
    const field = a.storedOnly === true ? '--stored-only' : '--only-candidate';
    throw new InputError(`${field} needs --candidate-store DIR (the folder the candidate fits are kept in)`, { details: { field } });
  }
  if (a.storedOnly === true && a.onlyCandidate !== undefined) throw new InputError('--stored-only and --only-candidate: give one (--only-candidate fits one candidate into the store; --stored-only selects among stored ones)', { details: { field: '--only-candidate' } });
  if (a.selector !== undefined && a.preselect === undefined) throw new InputError('--selector names the weights of --preselect transformer; give --preselect transformer too', { details: { field: '--selector' } });
  if (a.preselect !== undefined && structures !== undefined) throw new InputError(`--preselect ${a.preselect} shortlists the default candidates; with --structure they are named: give one`, { details: { field: '--preselect' } });
  const store = a.candidateStore === undefined ? undefined : { dir: resolve(a.candidateStore) };
  const say = (line: string): void => { process.stderr.write(`${line}\n`); };
  let last = 0;
  const progress = (p: FitProgress): void => {
    const now = Date.now();
    // SAEM reports every iteration: one line every 2 s is enough on a terminal or in a SLURM log
    if (p.stage !== 'saem' || now - last > 2_000) {
      last = now;
      process.stderr.write(`fit: ${p.stage}: ${p.message}\n`);
    }
  };
  if (a.onlyCandidate !== undefined && store !== undefined) return fitOneCandidate(a, a.onlyCandidate, structures, store, say, progress);
  const r = await fitTrial(a.trial, {
    ...(a.dataSpec === undefined ? {} : { dataSpec: a.dataSpec }),
    ...(structures === undefined ? {} : { structures }),
    ...(a.parallel === undefined ? {} : { parallel: a.parallel }),
    ...(store === undefined ? {} : { stored: { store, storedOnly: a.storedOnly === true } }),
    ...(a.preselect === undefined ? {} : { preselect: { method: a.preselect, selector: a.selector ?? join(packageRoot(), 'models', 'selector-estdata') } }),
    ...(uncertainty === undefined ? {} : { uncertainty }),
    seed: a.seed, draws: a.draws, force: a.force === true, vpcReplicates: a.vpcReplicates, outDir: resolve(a.out), madeBy: `qusop fit ${a.trial}`,
    say, progress,
  });
  process.stdout.write(await readFile(join(resolve(a.out), 'fit-report.md'), 'utf8'));
  if (r.cards !== null) process.stdout.write(`\nmodel cards: ${r.cards.qd}\n             ${r.cards.qw}\n`);
  if (r.degenerate.length > 0) {
    const out = resolve(a.out);
    process.stderr.write(`qusop fit: degenerate fit to ${a.trial}: ${degeneracySummary(r.degenerate)}\n`);
    if (r.hint !== undefined) process.stderr.write(`hint: ${r.hint}\n`);
    if (r.cards === null) {
      process.stderr.write(`not exported (no cards, ONNX or model.yaml); the fit is recorded in ${join(out, 'fit.json')} and ${join(out, 'fit-report.md')}; --force exports it anyway\n`);
      const stale = await access(join(out, 'qd.model.json')).then(() => true, () => false);
      if (stale) process.stderr.write(`note: ${out} still holds model cards from an earlier fit; they are not this fit's\n`);
    } else process.stderr.write('exported anyway (--force): the cards carry diagnostics.degenerate\n');
    return 1;
  }
  return r.fit.converged ? 0 : 1;
}

/**
 * `--only-candidate ID`: one candidate of the fit (its PK stage's or a candidate proper) fitted into the
 * store, or found there already (a requeued array task redoes nothing). No selection, no export.
 */
async function fitOneCandidate(a: FitCommandArgs, id: string, named: ReturnType<typeof parseStructures>, store: { dir: string }, say: (line: string) => void, progress: (p: FitProgress) => void): Promise<number> {
  const structure = structureById(id, '--only-candidate');
  const { trial } = await readTrialForFit(a.trial, a.dataSpec);
  const plan = candidatePlan(trial, named);
  const ids = [...plan.pkStage, ...plan.candidates].map((s) => s.id);
  if (!ids.includes(structure.id)) throw new InputError(`--only-candidate ${id}: not a candidate of this fit of ${a.trial} (its candidates: ${ids.join(', ')})`, { details: { field: '--only-candidate', value: id } });
  const settings = { seed: a.seed, draws: a.draws, vpcReplicates: a.vpcReplicates };
  await fitCandidates(trial, [structure], settings, 1, say, progress, { store });
  process.stdout.write(`${candidateFile(store, structure.id, candidateKey(trial, structure.id, settings))}\n`);
  return 0;
}
