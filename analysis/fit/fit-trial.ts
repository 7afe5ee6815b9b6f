/**
 * Trial -> fitted population PK/PD model -> ONNX trajectory graphs with parameter-uncertainty draws,
 * plus the fit's record: fit.json (everything the fit returned), fit-report.md (parameter table) and
 * diagnostics/ (GOF, residuals, VPC as PNG), referenced from the model cards so reports embed them.
 * Shared by `qusop fit` and `qusop answer` (no --model).
 *
 * Every fit is checked for degeneracy (models/estimate/degeneracy.ts, plus the float32 graphs'
 * predictions: graph-check.ts). A degenerate fit still gets its fit.json and fit-report.md (with a
 * "Degenerate fit" section) but no cards, ONNX or model.yaml unless `force`; forced cards carry
 * `diagnostics.degenerate`.
 */
import { readFile } from 'node:fs/promises';
import { writeOutput, makeDirectory } from '../../worker/common/fs-error.js';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { sha256Hex } from '../../worker/model/load-card.js';
import { codeVersion } from '../../worker/common/version.js';
import { InputError } from '../../worker/common/errors.js';
import { loadDataSpec, NO_SPEC } from '../../models/ingest/data-spec.js';
import { readDataset } from '../../models/ingest/dataset.js';
import { summarizeDataset } from '../../models/ingest/dataset-summary.js';
import { trialFromDataset, WEIGHT_NAMES_TEXT } from '../../models/ingest/trial-projection.js';
import type { FitProgress, FitResult } from '../../models/estimate/fit.js';
import type { VpcResult } from '../../models/estimate/vpc.js';
import type { DegeneracyProblem } from '../../models/estimate/degeneracy.js';
import { renderSvg, svgToPng } from '../plots.js';
import { writeFitRecord } from './fit-record.js';
import { gofSpec, residualSpec, vpcSpec } from './figures.js';
import { rankCandidates, type CandidateScore } from '../../models/estimate/selection.js';
import { fitCandidates, type PoolStore } from './candidate-pool.js';
import { pkStage, pkStageStructures, type PkStage } from './pk-stage.js';
import type { CandidateFit, CandidateSettings } from './candidate-fit.js';
import { pdStage, type PdStage } from './pd-stage.js';
import { exportCredible, type CredibleCards } from './credible-export.js';
import { refitFromStages, type StagedEstimate } from './staged-refit.js';
import { ivRouteHint } from './route-hint.js';
import { unitHint } from './unit-hint.js';
import { candidatesFor, STRUCTURES, takesRoute, type Structure, type StructureId } from '../../models/structures/structure.js';
import { effectDirection, ofDirection, structureDirection, type DirectionEvidence } from './effect-direction.js';
import { trialBiomarkerUnit, trialInfusionH, trialRoute, type Trial } from '../../models/ingest/trial.js';
import { withPdUnit } from '../../models/estimate/pd-unit.js';
import { sweepsInfusion } from '../../models/export/infusion-regimen.js';
import { preselect, preselectRecord, type PreselectOptions } from './preselect.js';
import { hmcUncertainty, type HmcUncertainty } from './hmc-uncertainty.js';
import type { HmcOptions } from '../../models/estimate/hmc/chains.js';

export interface FitTrialOptions {
  readonly seed: number;
  /** parameter-uncertainty draws stored in the cards (a sweep's replicate r uses draw r mod draws) */
  readonly draws: number;
  readonly vpcReplicates: number;
  readonly outDir: string;
  /** who asked, for the provenance */
  readonly madeBy: string;
  /** dataset spec file (YAML) mapping the trial; default: standard names recognised */
  readonly dataSpec?: string;
  /** candidate structures, fitted and ranked by BIC (default: the whole library) */
  readonly structures?: readonly Structure[];
  /** candidate fits run at once, in worker threads (default 1: one after the other, here) */
  readonly parallel?: number;
  /** export a degenerate fit anyway (its cards name the problems) */
  readonly force?: boolean;
  /** also export every other converged, non-degenerate candidate whose BIC weight >= minWeight (model averaging) */
  readonly credible?: { readonly minWeight: number };
  /** candidate fits read from / written to a store (candidate-store.ts); storedOnly: fit nothing */
  readonly stored?: PoolStore;
  /** the default candidates shortlisted by a learned selector first (preselect.ts) */
  readonly preselect?: PreselectOptions;
  /** the chosen candidate's draws from the posterior by NUTS instead of the Fisher information (hmc-uncertainty.ts) */
  readonly uncertainty?: { readonly source: 'hmc'; readonly hmc: HmcOptions };
  readonly progress?: (p: FitProgress) => void;
  readonly say?: (line: string) => void;
}

export interface FitTrialResult {
  /** null: degenerate and not forced, nothing exported */
  readonly cards: { readonly qd: string; readonly qw: string } | null;
  readonly fit: FitResult;
  /** empty: the fit is fit for sweeping */
  readonly degenerate: readonly DegeneracyProblem[];
  readonly vpc: VpcResult;
  readonly summary: string;
  /** every candidate's score, the chosen one marked */
  readonly selection: readonly CandidateScore[];
  /** with `credible`: the chosen structure first, then the others exported (credible-export.ts) */
  readonly credible?: readonly CredibleCards[];
  /** what a degenerate fit may say about how the data were read (route-hint.ts, unit-hint.ts), for the final message */
  readonly hint?: string;
}

/** PNG only: the scatter SVGs run to megabytes, and the PNG is what cards, reports and slides use. */
async function figure(dir: string, name: string, spec: TopLevelSpec): Promise<string> {
  await writeOutput(join(dir, `${name}.png`), svgToPng(await renderSvg(spec)));
  return `diagnostics/${name}.png`;
}

/** The trial as every fit sees it: the data file read (with its spec) and projected. */
export async function readTrialForFit(trialPath: string, dataSpec: string | undefined): Promise<{ trial: Trial; summary: string; dataSha256: string }> {
  const dataSha256 = sha256Hex(await readFile(trialPath));
  const spec = dataSpec === undefined ? NO_SPEC : await loadDataSpec(dataSpec);
  const dataset = await readDataset(trialPath, spec);
  return { trial: trialFromDataset(dataset), summary: summarizeDataset(dataset), dataSha256 };
}

/**
 * Every candidate a fit of this trial may fit: the PK stage's structures (when the selection is staged)
 * and the candidates proper. The PK and PD stages decide which PK/PD candidates are fitted
 * simultaneously; a scheduler that fits them all at once (a SLURM array) fits them all, and the
 * selection uses those the stages keep (the PD stage's own fits run in the selection job).
 */
export function candidatePlan(trial: Trial, named: readonly Structure[] | undefined): { pkStage: readonly Structure[]; candidates: readonly Structure[] } {
  const hasBiomarker = trial.subjects.some((s) => s.pd.length > 0);
  const { structures: all } = structuresFor(trial, hasBiomarker, named);
  const pk = hasBiomarker && named === undefined ? pkStageStructures(trial, all) : undefined;
  return { pkStage: pk ?? [], candidates: all };
}

export async function fitTrial(trialPath: string, o: FitTrialOptions): Promise<FitTrialResult> {
  const say = o.say ?? (() => undefined);
  const { trial, summary, dataSha256 } = await readTrialForFit(trialPath, o.dataSpec);
  say(summary);
  if (trial.noWeight === true) say(`no body-weight covariate (${WEIGHT_NAMES_TEXT} or a spec's weight:): every subject at the 70 kg reference, no allometry fitted`);
  const hasBiomarker = trial.subjects.some((s) => s.pd.length > 0);
  const { structures: all, direction } = structuresFor(trial, hasBiomarker, o.structures);
  if (direction !== undefined) say(direction.summary);
  const stored = o.stored ?? {};
  const pre = o.preselect === undefined || o.structures !== undefined ? undefined : await preselect(trial, all, o.preselect);
  if (pre !== undefined) say(pre.summary);
  // with a preselection, SAEM starts from the selector's regressed typical values of each shortlisted PK structure
  const settings = { seed: o.seed, draws: o.draws, vpcReplicates: o.vpcReplicates, ...(pre === undefined ? {} : { start: pre.proposal.typicalValues }) };
  const pool = pre?.structures ?? all;
  // default PK/PD candidates: the PK chosen on the concentrations first (pk-stage.ts); named ones all run
  const stage = hasBiomarker && o.structures === undefined ? await pkStage(trial, pool, settings, o.parallel ?? 1, say, o.progress, stored) : undefined;
  if (stage !== undefined) say(stage.summary);
  const afterPk = stage === undefined ? pool : pool.filter((s) => stage.kept.includes(s.compartments));
  // the middle step: PD structures on the biomarker given the PK stage's individual estimates (pd-stage.ts)
  const pd = stage === undefined ? undefined : await pdStage(trial, afterPk, stage.fits, o.seed, o.parallel ?? 1, say);
  if (pd !== undefined) say(pd.summary);
  const { candidates, selection } = await fitSimultaneously(trial, afterPk, pd, stagedEstimates(stage, pd), settings, o, say, stored);
  const chosenAt = selection.findIndex((c) => c.chosen);
  // none eligible: the record (and a forced export) is the lowest-BIC candidate's, with its problems
  const lowest = selection.reduce((b, c, i) => (!(c.bic >= (selection[b]?.bic ?? Infinity)) ? i : b), 0);
  const picked = candidates[chosenAt >= 0 ? chosenAt : lowest]!;
  if (candidates.length > 1 || stage !== undefined) say(selectionLine(selection));
  const infusionH = trialInfusionH(trial);
  const regimenNote = infusionRegimenNote(trial, picked.structure, infusionH);
  if (regimenNote !== undefined) say(regimenNote);
  const hmc = o.uncertainty === undefined ? undefined : await hmcUncertainty(trial, picked, o.draws, o.uncertainty.hmc, join(o.outDir, 'diagnostics'), say);
  const chosen = hmc === undefined ? picked : { ...picked, draws: hmc.draws, degenerate: [...picked.degenerate, ...hmc.problems] };
  const preRecord = pre === undefined ? undefined : preselectRecord(pre, selection.find((c) => c.chosen)?.structure);
  const staged = stage === undefined ? undefined : { pk: stage, pd };
  // the biomarker's unit, the trial's: on the fit, its report, figures and cards (models/estimate/pd-unit.ts)
  const pdUnit = trialBiomarkerUnit(trial);
  const cards = await writeCandidate(chosen, o.outDir, o, { trialPath, dataSha256, infusionH, pdUnit }, selection, staged, direction, preRecord, hmc);
  const { degenerate, vpc } = chosen;
  const fit = withPdUnit(chosen.fit, pdUnit);
  // model averaging (`qusop answer --average`): the other credible candidates' cards beside the chosen one's
  const credible = o.credible === undefined || chosenAt < 0 ? undefined : await exportCredible(candidates, selection, chosenAt, o.credible.minWeight, o.outDir, (c, dir) => writeCandidate(c, dir, o, { trialPath, dataSha256, infusionH, pdUnit }, selection, staged, direction));
  const hint = degenerate.length === 0 ? undefined : (ivRouteHint(trial, degenerate) ?? unitHint(trial, degenerate));
  return { cards, fit, degenerate, vpc, summary, selection, ...(credible === undefined ? {} : { credible }), ...(hint === undefined ? {} : { hint }) };
}

/**
 * The simultaneous PK/PD fits: those the PD stage kept (all without one), ranked by BIC. When none of
 * them is converged and non-degenerate, the candidates the PD stage set aside are fitted too, so the
 * middle step never costs a selection that fitting everything would have made.
 */
async function fitSimultaneously(trial: Trial, afterPk: readonly Structure[], pd: PdStage | undefined, staged: ReadonlyMap<StructureId, StagedEstimate>, settings: CandidateSettings, o: FitTrialOptions, say: (line: string) => void, stored: PoolStore): Promise<{ candidates: CandidateFit[]; selection: CandidateScore[] }> {
  const first = pd === undefined ? afterPk : afterPk.filter((s) => pd.kept.includes(s.id));
  // a simultaneous fit well above the stages' -2LL is fitted again from their estimates (staged-refit.ts)
  const fit = async (structures: readonly Structure[]): Promise<CandidateFit[]> => refitFromStages(trial, await fitCandidates(trial, structures, settings, o.parallel ?? 1, say, o.progress, stored), staged, settings, o.parallel ?? 1, say, o.progress, stored);
  const fitted = await fit(first);
  const selection = rankCandidates(trial, fitted);
  if (selection.some((c) => c.chosen) || first.length === afterPk.length) return { candidates: fitted, selection };
  const rest = afterPk.filter((s) => !first.includes(s));
  say(`PD stage: no simultaneous fit of ${first.map((s) => s.id).join(', ')} is converged and non-degenerate: ${rest.map((s) => s.id).join(', ')} fitted too`);
  const more = await fit(rest);
  const candidates = afterPk.map((s) => [...fitted, ...more].find((c) => c.structure.id === s.id)!);
  return { candidates, selection: rankCandidates(trial, candidates) };
}

/** Each PD-stage candidate's PK fit and PD-stage row, by structure (empty without a PD stage). */
function stagedEstimates(stage: PkStage | undefined, pd: PdStage | undefined): Map<StructureId, StagedEstimate> {
  const out = new Map<StructureId, StagedEstimate>();
  for (const row of pd?.rows ?? []) {
    const pk = stage?.fits.find((f) => f.structure.id === row.pk);
    if (pk !== undefined) out.set(row.structure, { pk, pd: row });
  }
  return out;
}

/** The staged selection's records (pk-stage.ts, pd-stage.ts) for the fit's record. */
interface Staged { readonly pk: PkStage; readonly pd: PdStage | undefined }

/** The candidate's record (figures, fit.json, fit-report.md) and, unless degenerate, its cards, in `outDir`. */
async function writeCandidate(picked: CandidateFit, outDir: string, o: FitTrialOptions, data: { trialPath: string; dataSha256: string; infusionH: number | undefined; pdUnit: string }, selection: readonly CandidateScore[], staged?: Staged, direction?: DirectionEvidence, preRecord?: ReturnType<typeof preselectRecord>, hmc?: HmcUncertainty): Promise<{ qd: string; qw: string } | null> {
  const stage = staged?.pk;
  const pd = staged?.pd;
  const { trialPath, dataSha256, infusionH, pdUnit } = data;
  const { draws, gof, vpc, degenerate } = picked;
  const fit = withPdUnit(picked.fit, pdUnit);
  const diagDir = join(outDir, 'diagnostics');
  await makeDirectory(diagDir);
  const figures = {
    gof: await figure(diagDir, 'gof', gofSpec(gof, pdUnit)),
    residuals: await figure(diagDir, 'residuals', residualSpec(gof, pdUnit)),
    vpc_pk: await figure(diagDir, 'vpc-pk', vpcSpec(vpc, 1, pdUnit)),
    vpc_pd: await figure(diagDir, 'vpc-pd', vpcSpec(vpc, 2, pdUnit)),
    ...(hmc === undefined ? {} : { hmc_trace: hmc.figure }),
  };
  const provenance = {
    made_by: o.madeBy,
    code_version: codeVersion(),
    // the spec is named only when one was given, so a fit without one keeps its bytes
    data: { path: trialPath, sha256: dataSha256, ...(o.dataSpec === undefined ? {} : { spec: { path: o.dataSpec, sha256: sha256Hex(await readFile(o.dataSpec)) } }) },
    // the old source path is part of the shipped fit.json's bytes (see models/export/population-model.ts)
    method: 'SAEM + importance-sampling -2LL + linearised Fisher information (models/popmodel/fit.ts)',
    seed: o.seed,
    uncertainty: hmc === undefined ? { draws: draws.length, method: 'N(estimate, inverse Fisher information) on the estimation scale; row 0 = point estimate' } : hmc.provenance,
    // named only with --preselect, so a fit without one keeps its bytes
    ...(preRecord === undefined ? {} : { selector: preRecord.provenance }),
  };
  const diagnostics = {
    minus2LL: fit.objective.minus2LL,
    converged: fit.converged,
    convergence: fit.convergence,
    shrinkage: fit.shrinkage,
    vpc_coverage: vpc.coverage,
    parameters: fit.table,
    notes: fit.notes,
    timings_ms: fit.timingsMs,
    figures,
    ...(hmc === undefined ? {} : { hmc: { ...(hmc.provenance['diagnostics'] as object), parameters: hmc.summary.parameters } }),
  };
  return writeFitRecord({
    outDir, trialPath, dataSha256, fit, vpc, degenerate, force: o.force === true, draws, seed: o.seed, provenance,
    // a one-candidate fit (a forced structure) keeps the cards and fit.json of before the library
    // (after a PK stage the selection is recorded even when one PK/PD candidate was left)
    diagnostics: { ...diagnostics, ...(selection.length > 1 || stage !== undefined ? { selection } : {}), ...(stage === undefined ? {} : { pk_stage: stage.scores }), ...(pd === undefined ? {} : { pd_stage: pd.rows }) },
    ...(selection.length > 1 || stage !== undefined ? { selection } : {}),
    ...(stage === undefined ? {} : { pkStage: stage }),
    ...(pd === undefined ? {} : { pdStage: pd }),
    ...(direction === undefined ? {} : { effectDirection: direction }),
    ...(infusionH === undefined ? {} : { infusionH }),
    ...(preRecord === undefined ? {} : { preselect: preRecord }),
    ...(hmc === undefined ? {} : { uncertaintyMarkdown: hmc.markdown }),
  });
}

/** What regimen an IV trial's cards sweep, when the trial has infusions (models/export/infusion-regimen.ts). */
function infusionRegimenNote(trial: Trial, structure: Structure, infusionH: number | undefined): string | undefined {
  if (trialRoute(trial) !== 'iv') return undefined;
  const infused = trial.subjects.some((s) => s.doses.some((d) => d.route === 'central' && (d.durationH ?? 0) > 0));
  if (!infused) return undefined;
  if (infusionH === undefined) return 'regimens swept: IV boluses (the trial\'s IV doses are not all infusions of one duration)';
  return sweepsInfusion(structure) ? `regimens swept: ${infusionH} h IV infusions, the trial's` : `regimens swept: IV boluses (${structure.id} has no infusion regimen graph yet; the trial's doses are ${infusionH} h infusions)`;
}

function selectionLine(selection: readonly CandidateScore[]): string {
  const chosen = selection.find((c) => c.chosen);
  const rows = selection.map((c) => `${c.structure} BIC ${c.bic.toFixed(1)}${c.chosen ? ' (chosen)' : !c.converged ? ' (not converged)' : c.degenerate.length > 0 ? ' (degenerate)' : c.poorlyIdentified !== undefined ? ` (poorly identified: ${c.poorlyIdentified.join(', ')})` : ''}`);
  return `structure selection: ${rows.join('; ')}${chosen === undefined ? ': no candidate is both converged and non-degenerate' : ''}`;
}

/**
 * The candidates: those named (each of the trial's route), else the defaults of its route and endpoints.
 * On a trial with biomarker samples the defaults are the PK/PD structures of the direction the drug moves
 * the biomarker in (effect-direction.ts: IDR I and IV and direct Imax when it falls, IDR II and III and
 * direct Emax when it rises, all of them when the data do not say).
 */
function structuresFor(trial: Trial, hasBiomarker: boolean, named: readonly Structure[] | undefined): { structures: readonly Structure[]; direction?: DirectionEvidence } {
  const route = trialRoute(trial);
  const wrong = named?.find((s) => !takesRoute(s, route));
  if (wrong !== undefined) throw new InputError(`--structure ${wrong.id}: takes ${wrong.route} doses, but the doses of ${trial.file} are ${route} (${route === 'iv' ? 'into the observed compartment' : route === 'zero-order' ? 'RATE = -2: zero-order over D1, structures 1cmt-zo, 2cmt-zo' : 'into a depot'})`, { details: { field: '--structure', value: wrong.id } });
  if (named !== undefined) return { structures: named };
  if (!hasBiomarker) return { structures: candidatesFor(false, route) };
  const pkpd = STRUCTURES.filter((s) => s.pd && s.route === route && structureDirection(s) !== undefined);
  if (pkpd.length === 0) throw new InputError(`${trial.file}: a trial with ${route} doses and biomarker samples: no structure of the library has ${route === 'zero-order' ? 'zero-order' : 'IV'} PK with the PD yet (fit the concentrations alone with a PK-only trial)`, { details: { file: trial.file } });
  const direction = effectDirection(trial);
  return { structures: ofDirection(pkpd, direction.direction), direction };
}
