/**
 * What the regressor learns from: a fit directory (`qusop fit`: fit.json's individual estimates, the
 * structure, Omega, and its QD/QW cards' parameter draws) and the trial it was fitted to (each
 * subject's covariates). Inputs are the covariates the fit's graph takes (BW, COMED, then any declared
 * covariate effect's input), standardised by the trial's mean and sd; targets are each subject's eta
 * estimate per random effect (the log individual parameter minus its covariate-model value). An
 * estimate of exactly 0 is a subject whose data never informed that eta (e.g. a placebo subject's PK
 * etas: no concentrations), so it is left out of that eta's training set rather than taught as a 0.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../worker/common/errors.js';
import { ModelCardSchema, type ModelCard } from '../../worker/model/card.js';
import { loadDataSpec, NO_SPEC } from '../ingest/data-spec.js';
import { readTrial } from '../ingest/trial.js';
import { covariateInputs } from '../structures/covariate-effects.js';
import { structureOfFit, type Structure } from '../structures/structure.js';

export interface Standardiser {
  /** graph input names in order: bw, comed, then declared covariates */
  readonly inputs: readonly string[];
  readonly mean: readonly number[];
  readonly sd: readonly number[];
}

export interface TrainingSet {
  readonly structure: Structure;
  readonly fitDir: string;
  readonly trialPath: string;
  readonly trialSha256: string;
  readonly ids: readonly number[];
  /** raw covariates [subject][input] */
  readonly raw: readonly (readonly number[])[];
  /** standardised covariates */
  readonly x: readonly (readonly number[])[];
  readonly standardiser: Standardiser;
  /** eta estimates [subject][eta] (null: not informed) */
  readonly y: readonly (readonly (number | null)[])[];
  readonly omegaDiagonal: readonly number[];
  /** the fit's QD and QW cards (their draws and inputs carry over) */
  readonly cards: { readonly qd: ModelCard; readonly qw: ModelCard };
}

interface FitJson {
  fit?: { individual?: { id: number; eta: number[] }[]; population?: { omega?: number[][] }; structure?: string; covariateEffects?: never[]; holdComed?: boolean };
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)}); --fit expects a directory written by qusop fit`, { cause: err, details: { file: path } });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path}: expected ${what} as JSON, found ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
}

async function readCard(path: string): Promise<ModelCard> {
  const parsed = ModelCardSchema.safeParse(await readJson(path, 'the fit\'s model card'));
  if (!parsed.success) throw new InputError(`${path}: expected a model card, found ${parsed.error.issues[0]?.message ?? 'an invalid card'}`, { details: { file: path } });
  if (parsed.data.inputs.theta === undefined || parsed.data.inputs.eta === undefined) throw new InputError(`${path}: field inputs.theta/eta: expected a population card (theta draws, standard-normal eta), found a card without them`, { details: { file: path } });
  return parsed.data;
}

async function readTrialBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InputError(`${path}: cannot read the trial CSV (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, details: { file: path } });
  }
}

function standardise(raw: readonly (readonly number[])[], inputs: readonly string[]): Standardiser {
  const mean = inputs.map((_, k) => raw.reduce((s, r) => s + r[k]!, 0) / raw.length);
  const sd = inputs.map((_, k) => {
    const v = raw.reduce((s, r) => s + (r[k]! - mean[k]!) ** 2, 0) / Math.max(1, raw.length - 1);
    // a constant covariate (no BW column: every subject at 70 kg) carries no information: z = 0
    return v > 0 ? Math.sqrt(v) : 1;
  });
  return { inputs, mean, sd };
}

export const standardised = (s: Standardiser, raw: readonly number[]): number[] => raw.map((v, k) => (v - s.mean[k]!) / s.sd[k]!);

export async function readTrainingSet(fitDir: string, trialPath: string, dataSpecPath?: string): Promise<TrainingSet> {
  const fitPath = join(fitDir, 'fit.json');
  const fit = ((await readJson(fitPath, 'the fit record')) as FitJson).fit;
  const individual = fit?.individual;
  if (!Array.isArray(individual) || individual.length === 0) {
    throw new InputError(`${fitPath}: field fit.individual: expected each subject's eta estimates (written by qusop fit), found ${individual === undefined ? 'none' : 'an empty list'}; a model imported from elsewhere has no individual estimates to learn from`, { details: { file: fitPath, field: 'fit.individual' } });
  }
  const structure = structureOfFit(fit as Parameters<typeof structureOfFit>[0]);
  const K = structure.etaNames.length;
  const bad = individual.findIndex((r) => !Number.isInteger(r?.id) || !Array.isArray(r.eta) || r.eta.length !== K || r.eta.some((v) => !Number.isFinite(v)));
  if (bad >= 0) throw new InputError(`${fitPath}: field fit.individual[${bad}]: expected { id, eta: ${K} finite numbers (${structure.etaNames.join(', ')}) }`, { details: { file: fitPath, field: `fit.individual[${bad}]` } });
  const omega = fit?.population?.omega;
  const omegaDiagonal = structure.etaNames.map((_, k) => omega?.[k]?.[k] ?? NaN);
  if (omegaDiagonal.some((v) => !Number.isFinite(v))) throw new InputError(`${fitPath}: field fit.population.omega: expected a ${K} x ${K} matrix`, { details: { file: fitPath, field: 'fit.population.omega' } });
  const cards = { qd: await readCard(join(fitDir, 'qd.model.json')), qw: await readCard(join(fitDir, 'qw.model.json')) };

  const trial = await readTrial(trialPath, dataSpecPath === undefined ? NO_SPEC : await loadDataSpec(dataSpecPath));
  const declared = covariateInputs(structure).map((c) => c.name);
  const inputs = ['bw', 'comed', ...declared];
  for (const e of trial.covariateEffects ?? []) {
    if (e.covariate.toUpperCase() !== 'COMED' && !declared.includes(e.covariate)) {
      throw new InputError(`${e.at}: covariate ${e.covariate}: the fit in ${fitDir} has no ${e.covariate} (its graph takes ${inputs.join(', ')}); the regressor learns from the covariates the fit's graph takes: refit with this spec or drop the declaration`, { details: { field: 'covariate_effects', value: e.covariate } });
    }
  }
  const trialSha256 = createHash('sha256').update(await readTrialBytes(trialPath)).digest('hex');
  // the fit's etas belong to its own subjects: another trial with overlapping IDs would be taught the wrong ones
  const fitData = (cards.qd.provenance['data'] ?? {}) as { path?: string; sha256?: string };
  if (typeof fitData.sha256 === 'string' && fitData.sha256 !== trialSha256) {
    throw new InputError(`${trialPath}: expected the trial the fit in ${fitDir} was made on (${fitData.path ?? 'its data'}, sha256 ${fitData.sha256.slice(0, 12)}...), found a file with sha256 ${trialSha256.slice(0, 12)}...`, { details: { file: trialPath, field: 'trial' } });
  }
  const byId = new Map(individual.map((r) => [r.id, r.eta]));
  const raw: number[][] = [];
  const y: (number | null)[][] = [];
  for (const s of trial.subjects) {
    const eta = byId.get(s.id);
    if (eta === undefined) throw new InputError(`${trialPath}:${s.firstLine}: subject ${s.id} has no individual estimate in ${fitPath}: expected the trial the fit was made on`, { details: { file: trialPath, line: s.firstLine, field: 'ID' } });
    const extra = declared.map((c) => {
      const v = s.covariates?.[c];
      if (v === undefined || !Number.isFinite(v)) throw new InputError(`${trialPath}:${s.firstLine}: subject ${s.id}: expected covariate ${c} (the fit's graph takes it), found none`, { details: { file: trialPath, line: s.firstLine, column: c } });
      return v;
    });
    raw.push([s.bwKg, s.comed, ...extra]);
    y.push(eta.map((v, k) => (v === 0 || omegaDiagonal[k]! <= 0 ? null : v)));
  }
  const standardiser = standardise(raw, inputs);
  return {
    structure, fitDir, trialPath,
    trialSha256,
    ids: trial.subjects.map((s) => s.id), raw, x: raw.map((r) => standardised(standardiser, r)), standardiser, y, omegaDiagonal, cards,
  };
}
