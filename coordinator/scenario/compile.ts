/**
 * Compiles validated scenario files into a RunSpec: relative paths resolved, trial subjects read,
 * observed COMED rates computed, model cards loaded and checked against the regimen, and the run id
 * derived from everything that determines the result (DESIGN.md "Run").
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { extent } from 'd3-array';
import { ModelProtoSchema } from 'onnx-buf';
import { InputError, ModelError } from '../../worker/common/errors.js';
import { codeVersion } from '../../worker/common/version.js';
import { loadModel, sha256Hex, type LoadedModel } from '../../worker/model/load-card.js';
import { cardDigest } from '../../worker/model/card-digest.js';
import type { BwPrior, ComedPrior, PopulationSpec } from '../../worker/population/prior.js';
import { DEFAULT_QUESTION, type QuestionSpec, type RegimenSpec, type RunSpecJson, type ScenarioSpec } from '../../worker/run-spec.js';
import { endpointOutput, fromNgMl, headStatistic, questionKey, toNgMl } from '../../worker/onnx/window-statistic.js';
import { readTrial, trialCovariates } from '../../models/ingest/trial.js';
import { loadDataSpec, NO_SPEC } from '../../models/ingest/data-spec.js';
import { checkGraphAgainstCard } from '../../worker/onnx/session.js';
import { sobolDimensionsNeeded } from '../../worker/population/draw-sobol.js';
import { compileCovariatePriors } from './covariate-priors.js';
import { checkSurrogateCard } from './surrogate-guard.js';
import { checkProbabilityCard } from './probability-guard.js';
import { sobolDimensions } from '../../worker/rng/sobol.js';
import { doseGrid } from './dose-grid.js';
import { loadScenarioFile } from './load.js';
import type { ScenarioInput } from './schema.js';
import { checkSafetyAgainstCard, jointEndpointsOf } from './joint-endpoints.js';
import { checkBiomarkerThresholds } from './biomarker-threshold.js';
import { atRounds, withPrecision, type PrecisionOptions } from './precision.js';
import { compileAverages } from './model-average.js';
import { WEIGHT_NAMES_TEXT } from '../../models/ingest/trial-projection.js';

export interface CompiledRun {
  readonly spec: RunSpecJson;
  /** models by sha256 */
  readonly models: ReadonlyMap<string, LoadedModel>;
  readonly scenarioPath: string;
  readonly scenarioText: string;
  /** sha256 of the trial files used, by path */
  readonly dataHashes: Readonly<Record<string, string>>;
}

export interface CompileOptions {
  /** replace every regimen's model card (by regimen name), e.g. `--model qd=path.model.json` */
  readonly modelOverrides?: Readonly<Record<string, string>>;
  /** checks every file the scenario names before it is read (a submitted run: the coordinator's allowed roots) */
  readonly confinePath?: (path: string, field: string) => Promise<string>;
  /** adaptive precision for every scenario (`--half-width`, `--max-replicates`): coordinator/precision/ */
  readonly precision?: PrecisionOptions;
}

export async function compileScenarioFile(scenarioPath: string, opts: CompileOptions = {}): Promise<CompiledRun> {
  const { file, text } = await loadScenarioFile(scenarioPath);
  const regimenNames = new Set(file.scenarios.flatMap((sc) => sc.regimens.map((rg) => rg.name)));
  for (const name of Object.keys(opts.modelOverrides ?? {})) {
    if (!regimenNames.has(name)) {
      throw new InputError(`--model ${name}=...: ${scenarioPath} has no regimen named "${name}" (regimens: ${[...regimenNames].join(', ')})`, { details: { field: '--model' } });
    }
  }
  const baseDir = dirname(resolve(scenarioPath));
  const models = new Map<string, LoadedModel>();
  const dataHashes: Record<string, string> = {};
  const scenarios: ScenarioSpec[] = [];
  for (const [i, sc] of file.scenarios.entries()) {
    const population = await compilePopulation(sc, baseDir, scenarioPath, i, dataHashes, opts.confinePath);
    const regimens: RegimenSpec[] = [];
    for (const [j, rg] of sc.regimens.entries()) {
      const cardPath = opts.modelOverrides?.[rg.name] ?? resolve(baseDir, rg.model);
      await opts.confinePath?.(cardPath, `${scenarioPath}: scenarios[${i}].regimens[${j}].model`);
      const model = await loadModel(cardPath);
      checkModelGraph(model);
      if (Math.abs(model.card.regimen.tau_h - rg.tau_h) > 1e-9) {
        throw new InputError(
          `${scenarioPath}: scenarios[${i}].regimens[${j}].tau_h is ${rg.tau_h} h but model ${cardPath} is for regimen "${model.card.regimen.name}" with tau_h ${model.card.regimen.tau_h} h`,
          { details: { file: scenarioPath, field: `scenarios[${i}].regimens[${j}].tau_h` } },
        );
      }
      const ask = {
        endpoint: sc.endpoint ?? DEFAULT_QUESTION.endpoint, statistic: sc.statistic ?? DEFAULT_QUESTION.statistic, comparison: sc.comparison ?? DEFAULT_QUESTION.comparison,
        thresholdNgMl: thresholdNgMl(sc), sweep: sc.threshold_sweep !== undefined, safety: sc.safety !== undefined,
      };
      checkProbabilityCard(model.card, cardPath, ask, `${scenarioPath}: scenarios[${i}]`);
      if (model.card.outputs.p_success === undefined) checkQuestionAgainstCard(sc, model, cardPath, scenarioPath, i);
      checkSurrogateCard(model.card, cardPath, {
        endpoint: sc.endpoint ?? DEFAULT_QUESTION.endpoint, comparison: sc.comparison ?? DEFAULT_QUESTION.comparison,
        thresholdNgMl: thresholdNgMl(sc), sweep: sc.threshold_sweep !== undefined, safety: sc.safety !== undefined,
      }, `${scenarioPath}: scenarios[${i}]`);
      checkSamplerAgainstCard(sc, model, cardPath, scenarioPath, i);
      checkSafetyAgainstCard(sc, model, cardPath, scenarioPath, i);
      checkBiomarkerThresholds(sc, i, model.card, cardPath, scenarioPath, text);
      addModel(models, model, `${scenarioPath}: scenarios[${i}].regimens[${j}].model`);
      regimens.push({ name: rg.name, tauH: rg.tau_h, dosesMg: doseGrid(rg.doses_mg), modelSha256: model.card.sha256, ...(model.card.outputs.p_success === undefined ? {} : { outcome: 'probability' as const }) });
    }
    // the covariates the scenario's models take beyond dose, BW, COMED (declared covariate effects)
    const taken = [...new Set(regimens.flatMap((rg) => [...models.values()].find((m) => m.card.sha256 === rg.modelSha256)?.card.inputs.covariates.slice(3) ?? []))];
    if (taken.length > 0 || sc.population.covariates !== undefined) {
      const c = compileCovariatePriors(sc.population.covariates, taken, population.trialValues, `${scenarioPath}: scenarios[${i}].population.covariates`);
      population.spec = { ...population.spec, covariates: c.priors };
      population.label = `${population.label}; ${c.label}`;
    }
    scenarios.push({
      name: sc.name,
      description: sc.description,
      seed: sc.seed,
      // only when it differs from the name: a scenario without it keeps its spec and run id
      ...(sc.random_stream === undefined || sc.random_stream === sc.name ? {} : { stream: sc.random_stream }),
      population: population.spec,
      populationLabel: population.label,
      thresholdNgMl: thresholdNgMl(sc),
      ...questionOf(sc),
      ...jointEndpointsOf(sc),
      targets: sc.targets,
      replicates: sc.replicates,
      band: sc.band,
      regimens,
      ...compileAverages(sc, regimens, scenarioPath, i, opts.precision !== undefined),
    });
  }
  const withPolicy = opts.precision === undefined ? scenarios : withPrecision(scenarios, models, opts.precision, scenarioPath);
  const version = codeVersion();
  const runId = runIdOf(version, withPolicy, models, dataHashes);
  const atRound = opts.precision?.rounds === undefined ? withPolicy : atRounds(withPolicy, opts.precision.rounds);
  return { spec: { runId, codeVersion: version, scenarios: atRound }, models, scenarioPath, scenarioText: text, dataHashes };
}

/**
 * The run id: a hash of everything that determines the result (DESIGN.md "Run"): code version, the
 * compiled scenarios (population with any resampled trial subjects, thresholds, targets, R, M, seeds,
 * bands, grids, each regimen's ONNX sha256), each model card's content (cardDigest: draws, Omega,
 * parameters; fitted models share their ONNX bytes) and the sha256 of every trial file the population
 * reads. Paths are left out: the same bytes found elsewhere are the same run.
 */
export function runIdOf(
  version: string,
  scenarios: readonly ScenarioSpec[],
  models: ReadonlyMap<string, LoadedModel>,
  dataHashes: Readonly<Record<string, string>>,
): string {
  const cards = [...models.values()].map((m) => ({ onnx: m.card.sha256, card: cardDigest(m.card) })).sort((a, b) => a.onnx.localeCompare(b.onnx));
  const data = Object.values(dataHashes).sort();
  return createHash('sha256').update(JSON.stringify({ version, scenarios, cards, data })).digest('hex').slice(0, 16);
}

/**
 * Models travel to workers keyed by ONNX sha256, so one run cannot hold two different cards of the same
 * graph (two fits of the population model): the second would silently run with the first's draws.
 */
function addModel(models: Map<string, LoadedModel>, model: LoadedModel, field: string): void {
  const other = models.get(model.card.sha256);
  if (other !== undefined && cardDigest(other.card) !== cardDigest(model.card)) {
    throw new InputError(
      `${field}: ${model.cardPath} and ${other.cardPath} are different cards of the same ONNX graph (sha256 ${model.card.sha256}); one run takes one card per graph: run them as separate runs`,
      { details: { field, file: model.cardPath } },
    );
  }
  models.set(model.card.sha256, model);
}

async function compilePopulation(
  sc: ScenarioInput,
  baseDir: string,
  scenarioPath: string,
  index: number,
  dataHashes: Record<string, string>,
  confinePath?: (path: string, field: string) => Promise<string>,
): Promise<{ spec: PopulationSpec; label: string; trialValues?: Record<string, number[]> }> {
  const pop = sc.population;
  let trial: { bwKg: number[]; comed: number[]; rate: number; source: string; values: Record<string, number[]>; noWeight: boolean } | undefined;
  if (pop.subjects_source !== undefined) {
    const source = resolve(baseDir, pop.subjects_source);
    await confinePath?.(source, `${scenarioPath}: scenarios[${index}].population.subjects_source`);
    const specPath = pop.subjects_spec === undefined ? undefined : resolve(baseDir, pop.subjects_spec);
    if (specPath !== undefined) await confinePath?.(specPath, `${scenarioPath}: scenarios[${index}].population.subjects_spec`);
    const spec = specPath === undefined ? NO_SPEC : await loadDataSpec(specPath);
    const t = await readTrial(source, spec).catch((err: unknown) => {
      if (err instanceof InputError) throw err;
      throw new InputError(`${scenarioPath}: scenarios[${index}].population.subjects_source: cannot read ${source}: ${String(err)}`, { cause: err });
    });
    const covs = trialCovariates(t);
    const comed: number[] = covs.map((c) => c.comed);
    // every numeric covariate every subject has, for resampled covariate priors
    const names = [...new Set(t.subjects.flatMap((s) => Object.keys(s.covariates ?? {})))].filter((n) => t.subjects.every((s) => s.covariates?.[n] !== undefined));
    const values = Object.fromEntries(names.map((n) => [n, t.subjects.map((s) => s.covariates![n]!)]));
    trial = { bwKg: covs.map((c) => c.bwKg), comed, rate: comed.reduce<number>((a, b) => a + b, 0) / comed.length, source, values, noWeight: t.noWeight === true };
    dataHashes[source] = sha256Hex(await readFile(source));
    // the spec decides how the trial's bytes are read, so it is part of the run too
    if (specPath !== undefined) dataHashes[specPath] = sha256Hex(await readFile(specPath));
  }
  let bw: BwPrior;
  let bwLabel: string;
  if ('uniform' in pop.bw) {
    bw = { kind: 'uniform', minKg: pop.bw.uniform.min_kg, maxKg: pop.bw.uniform.max_kg };
    bwLabel = `BW ~ Uniform(${bw.minKg}, ${bw.maxKg}) kg`;
  } else if ('fixed_kg' in pop.bw) {
    bw = { kind: 'fixed', valueKg: pop.bw.fixed_kg };
    bwLabel = `BW = ${bw.valueKg} kg`;
  } else if (trial?.noWeight === true && pop.bw.resample.mean_kg === undefined) {
    // a trial without weights: its subjects sit at the 70 kg reference the fit assumed (no allometry was estimated)
    bw = { kind: 'fixed', valueKg: trial.bwKg[0] ?? 70 };
    bwLabel = `BW = ${bw.valueKg} kg (${trial.source} has no body weights: its subjects are at the allometric reference)`;
  } else {
    if (trial === undefined) throw new InputError(`${scenarioPath}: scenarios[${index}].population.subjects_source is required`);
    const { sigma, clip_kg, mean_kg } = pop.bw.resample;
    if (trial.noWeight && mean_kg !== undefined) {
      throw new InputError(`${scenarioPath}: scenarios[${index}].population.bw.resample.mean_kg: ${trial.source} has no body-weight covariate (${WEIGHT_NAMES_TEXT} or a spec's weight:) to shift; give bw uniform or fixed_kg`, { details: { file: scenarioPath, field: `scenarios[${index}].population.bw.resample.mean_kg` } });
    }
    // mean_kg: every trial weight and the clip bounds times s = mean_kg / trial mean, so the shifted
    // population is the base one scaled (same shape; the trial's weights then average mean_kg)
    const trialMean = trial.bwKg.reduce((a, b) => a + b, 0) / trial.bwKg.length;
    const s = mean_kg === undefined ? 1 : mean_kg / trialMean;
    const scale = (x: number): number => (s === 1 ? x : x * s);
    // the clip bounds the jitter, never the trial's own weights: bounds that cut into the (scaled) trial's
    // range are widened to it (SCIENCE.md's default [35, 120] kg is an adult range: neonates of 0.6-3.5 kg
    // would all be drawn at 35 kg), and the label says so
    const subjectBwKg = trial.bwKg.map(scale);
    const [lo = Infinity, hi = -Infinity] = extent(subjectBwKg); // d3: no argument spread (a 10^5-subject trial)
    const asked: [number, number] = [scale(clip_kg[0]), scale(clip_kg[1])];
    const clipKg: [number, number] = [Math.min(asked[0], lo), Math.max(asked[1], hi)];
    bw = { kind: 'resample', subjectBwKg, subjectComed: trial.comed, sigma, clipKg };
    const scaled = mean_kg === undefined ? '' : ` x ${round4(s)} (trial mean ${round4(trialMean)} kg -> ${mean_kg} kg)`;
    const clip = mean_kg === undefined ? clipKg : clipKg.map(round4);
    const widened = clipKg[0] < asked[0] || clipKg[1] > asked[1] ? ` (clip_kg [${clip_kg[0]}, ${clip_kg[1]}]${mean_kg === undefined ? '' : ' scaled'} widened to the trial's weights)` : '';
    bwLabel = `BW resampled from ${trial.bwKg.length} trial subjects${scaled} x exp(N(0, ${sigma}^2)), clipped to [${clip[0]}, ${clip[1]}] kg${widened}`;
  }
  let comed: ComedPrior;
  let comedLabel: string;
  const c = pop.comed;
  if (c === 'observed' || c === 'resampled') {
    if (trial === undefined) throw new InputError(`${scenarioPath}: scenarios[${index}].population.subjects_source is required`);
    comed = c === 'observed' ? { kind: 'bernoulli', p: trial.rate } : { kind: 'resampled' };
    comedLabel = c === 'observed' ? `COMED ~ Bernoulli(${round4(trial.rate)}) (observed rate)` : 'COMED of the resampled trial subject';
  } else if ('bernoulli' in c) {
    comed = { kind: 'bernoulli', p: c.bernoulli };
    comedLabel = `COMED ~ Bernoulli(${c.bernoulli})`;
  } else {
    comed = { kind: 'fixed', value: c.fixed };
    comedLabel = `COMED = ${c.fixed}`;
  }
  const counts = `${sc.subjects} subjects x ${sc.replicates} replicates`;
  // philox is the default and stays out of the spec, so a scenario without the option keeps its run id
  const values = trial === undefined ? {} : { trialValues: trial.values };
  if (pop.sampler === 'sobol') {
    return { spec: { bw, comed, subjects: sc.subjects, sampler: 'sobol' }, label: `${bwLabel}; ${comedLabel}; ${counts}; ${SOBOL_LABEL}`, ...values };
  }
  return { spec: { bw, comed, subjects: sc.subjects }, label: `${bwLabel}; ${comedLabel}; ${counts}`, ...values };
}

/**
 * The scenario's question, present only when it differs from the default (max biomarker <=): a
 * scenario without the new fields compiles to exactly the spec (and run id) it had before them.
 */
function questionOf(sc: ScenarioInput): { question?: QuestionSpec } {
  const q: QuestionSpec = {
    endpoint: sc.endpoint ?? DEFAULT_QUESTION.endpoint,
    statistic: sc.statistic ?? DEFAULT_QUESTION.statistic,
    comparison: sc.comparison ?? DEFAULT_QUESTION.comparison,
  };
  return questionKey(q) === questionKey(DEFAULT_QUESTION) ? {} : { question: q };
}

/**
 * The threshold as ScenarioSpec.thresholdNgMl carries it (load.ts made sure exactly one form is given):
 * a concentration in ng/mL; the biomarker unconverted, in the card's units.pd (biomarker-threshold.ts).
 */
function thresholdNgMl(sc: ScenarioInput): number {
  if (sc.threshold_ng_ml !== undefined) return sc.threshold_ng_ml;
  const t = sc.threshold;
  const v = t === undefined ? undefined : (sc.endpoint ?? DEFAULT_QUESTION.endpoint) === 'biomarker' ? t.value : toNgMl(t.value, t.unit);
  if (v === undefined) throw new InputError(`scenario "${sc.name}": threshold has no value in a known unit`);
  return v;
}

/** The card has the endpoint's output in a mass-concentration unit and a grid the statistic is defined on. */
function checkQuestionAgainstCard(sc: ScenarioInput, model: LoadedModel, cardPath: string, scenarioPath: string, i: number): void {
  const { question } = questionOf(sc);
  if (question === undefined) return;
  const fail = (field: string, err: unknown): never => {
    throw new InputError(`${scenarioPath}: scenarios[${i}].${field}: model ${cardPath}: ${(err as Error).message}`, {
      cause: err,
      details: { file: scenarioPath, field: `scenarios[${i}].${field}` },
    });
  };
  try {
    const out = endpointOutput(model.card, question.endpoint);
    // the biomarker is compared unconverted (biomarker-threshold.ts); a concentration is converted to the output's unit
    if (question.endpoint === 'concentration') fromNgMl(1, out.unit, `model card "${model.card.name}"`);
  } catch (err) {
    fail('endpoint', err);
  }
  try {
    headStatistic(model.card, question);
  } catch (err) {
    fail('statistic', err);
  }
}

/** How the population description names the sampler (absent for philox, the default). */
const SOBOL_LABEL = "draws: scrambled Sobol' points (quasi-Monte Carlo; random linear scrambling + digital shift per replicate)";

/** The shipped Sobol' direction numbers cover the card's eta columns (the worker would fail otherwise). */
function checkSamplerAgainstCard(sc: ScenarioInput, model: LoadedModel, cardPath: string, scenarioPath: string, i: number): void {
  if (sc.population.sampler !== 'sobol') return;
  const needed = sobolDimensionsNeeded(model.card.inputs.eta?.dim ?? 0);
  if (needed <= sobolDimensions()) return;
  throw new InputError(
    `${scenarioPath}: scenarios[${i}].population.sampler: sobol needs ${needed} dimensions for model ${cardPath} (${model.card.inputs.eta?.dim ?? 0} eta columns + 3) but the shipped direction numbers define ${sobolDimensions()}; use philox`,
    { details: { file: scenarioPath, field: `scenarios[${i}].population.sampler` } },
  );
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Refuse a model whose graph does not honour its card before any tile is planned. */
function checkModelGraph(model: LoadedModel): void {
  let proto;
  try {
    proto = fromBinary(ModelProtoSchema, model.onnx);
  } catch (err) {
    throw new ModelError(`${model.cardPath}: ${model.card.onnx} is not a valid ONNX model (${(err as Error).message})`, { cause: err });
  }
  try {
    checkGraphAgainstCard(model.card, proto);
  } catch (err) {
    throw new ModelError(`${model.cardPath}: ${(err as Error).message}`, { cause: err });
  }
}
