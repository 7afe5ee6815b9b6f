/**
 * The typed Trial the population PK/PD model reads (fit, scenario compiler, sequence-model trainer):
 * a Dataset (any NONMEM layout, dataset.ts) seen through what that model takes today: body weight
 * and COMED covariates, oral, IV or zero-order (RATE = -2) doses (one route per trial), concentration (DVID 1) and biomarker (DVID 2) samples.
 * Anything the model cannot take is a located error here, never silently dropped
 * (trial-projection.ts).
 */
import type { Washout } from './washout-timeline.js';
import { NO_SPEC, type CovariateEffectDeclaration, type DataSpec } from './data-spec.js';
import { DEFAULT_BIOMARKER_UNIT, type UnitConversion } from './units.js';
import type { CovariateInfo } from './covariates.js';
import { parseDataset, readDataset } from './dataset.js';
import { DVID_PK, type Dvid } from './schema.js';
import { trialFromDataset } from './trial-projection.js';

export interface DoseEvent {
  readonly timeH: number;
  readonly amtMg: number;
  readonly cmt: number | null;
  /** file line, for messages from later stages */
  readonly line: number;
  /** absent: oral (into the depot); 'central': IV (CMT = the concentration's observation CMT) */
  readonly route?: 'central';
  /** an IV dose's zero-order input duration AMT / RATE (hours); absent = bolus */
  readonly durationH?: number;
  /** 'D1': a RATE = -2 record, zero-order input over the duration D1 the model estimates (the zero-order structures) */
  readonly durationModel?: 'D1';
  /** a dose implied by a steady-state record (SS=1, steady-state-history.ts): the record's dose repeated every `iiH` hours before it; `line` is the record's */
  readonly steadyState?: { readonly iiH: number };
}

export interface Observation {
  readonly timeH: number;
  /** mg/L for PK (DVID 1), ng/mL for PD (DVID 2); a BLQ row's limit (its DV is no value) */
  readonly dv: number;
  readonly cmt: number | null;
  readonly line: number;
  /** below the limit of quantification (dv holds it): fitted by the M3 likelihood, never as a value */
  readonly blq?: true;
  /** the row's limit of quantification, where the file gives one (simulated trials censor at it) */
  readonly lloq?: number;
}

/** An observation row with MDV=1: kept for the record (summary, audits), never fitted. */
export interface ExcludedObservation {
  readonly timeH: number;
  readonly dvid: Dvid;
  readonly line: number;
}

export interface Subject {
  readonly id: number;
  readonly bwKg: number;
  readonly comed: 0 | 1;
  /** the arm's nominal dose (DOSE column); 0 = placebo */
  readonly doseMg: number;
  /** time-ordered, as in the file */
  readonly doses: readonly DoseEvent[];
  /** DVID 1 observations with MDV=0, time-ordered */
  readonly pk: readonly Observation[];
  /** DVID 2 observations with MDV=0, time-ordered */
  readonly pd: readonly Observation[];
  readonly excluded: readonly ExcludedObservation[];
  /** the washout before each reset (EVID 3/4) after the first record (washout-timeline.ts): times are on the model's axis; absent: one period */
  readonly washouts?: readonly Washout[];
  /** every numeric covariate of the subject by name (declared covariate effects read them; absent in hand-built trials) */
  readonly covariates?: Readonly<Record<string, number>>;
  readonly firstLine: number;
  readonly lastLine: number;
}

export interface Trial {
  /** the file as named by the caller (used in every message) */
  readonly file: string;
  /** data records (header and blank lines not counted) */
  readonly recordCount: number;
  readonly subjects: readonly Subject[];
  /** compartments the file uses (null where the CMT column is absent or the record type never occurs) */
  readonly layout: CmtLayout;
  /** the dataset's covariates (kind, reference, unit, range or levels) */
  readonly covariates?: readonly CovariateInfo[];
  /** true: the trial has no body-weight covariate; every subject is at the 70 kg reference (no allometry) */
  readonly noWeight?: true;
  /** the spec's `covariate_effects` (absent: the default, COMED on the baseline) */
  readonly covariateEffects?: readonly CovariateEffectDeclaration[];
  /** the file's units, converted at ingest (doses to mg, concentrations to mg/L; the biomarker as recorded); absent in hand-built trials */
  readonly units?: { readonly concentration: UnitConversion; readonly dose: UnitConversion; readonly biomarker?: UnitConversion };
}

export interface CmtLayout {
  readonly doseCmt: number | null;
  readonly pkCmt: number | null;
  readonly pdCmt: number | null;
}

/** Reads a trial (any NONMEM layout; `spec` maps it) as the population model takes it; InputError `<file>:<line>: column <NAME>: ...` on the first problem. */
export async function readTrial(path: string, spec: DataSpec = NO_SPEC): Promise<Trial> {
  return trialFromDataset(await readDataset(path, spec));
}

/** Same as readTrial for text already in memory; `file` names it in messages. */
export function parseTrial(text: string, file: string, spec: DataSpec = NO_SPEC): Trial {
  return trialFromDataset(parseDataset(text, file, spec));
}

/**
 * The trial's route: 'zero-order' when its doses are RATE = -2 records (zero-order over the model's D1),
 * else 'iv' when they go into the central compartment, else 'oral' (the projection refuses a mix).
 */
export function trialRoute(trial: Trial): 'oral' | 'iv' | 'zero-order' {
  const doses = trial.subjects.flatMap((s) => s.doses);
  return doses.some((d) => d.durationModel === 'D1') ? 'zero-order' : doses.some((d) => d.route === 'central') ? 'iv' : 'oral';
}

/** The infusion duration every IV dose of the trial shares (hours), or undefined (a bolus among them, mixed durations, no IV dose). */
export function trialInfusionH(trial: Trial): number | undefined {
  const durations = trial.subjects.flatMap((s) => s.doses.filter((d) => d.route === 'central').map((d) => d.durationH ?? 0));
  const first = durations[0];
  if (first === undefined || !(first > 0)) return undefined;
  // RATE is written with a few digits: durations AMT / RATE within 1e-6 relative are one duration
  return durations.every((d) => Math.abs(d / first - 1) <= 1e-6) ? first : undefined;
}

/** A subject's doses as the simulator takes them (route and infusion duration carried for IV doses). */
export function simulatorDoses(s: Subject): { timeH: number; amountMg: number; route?: 'central'; durationH?: number }[] {
  return s.doses.map((d) => (d.route === undefined
    ? { timeH: d.timeH, amountMg: d.amtMg }
    : { timeH: d.timeH, amountMg: d.amtMg, route: d.route, ...(d.durationH === undefined ? {} : { durationH: d.durationH }) }));
}

/**
 * A subject's doses as its file records them: without the history implied by a steady-state record
 * (steady-state-history.ts). What data-derived start values read as "the first dose".
 */
export function recordedDoses(s: Pick<Subject, 'doses'>): readonly DoseEvent[] {
  // an implied history may open any period (washout-timeline.ts), not only the first
  return s.doses.some((d) => d.steadyState !== undefined) ? s.doses.filter((d) => d.steadyState === undefined) : s.doses;
}

/** The observations that are values (BLQ rows left out): what data-derived start values and summaries read. */
export function quantified(obs: readonly Observation[]): readonly Observation[] {
  return obs.some((o) => o.blq === true) ? obs.filter((o) => o.blq !== true) : obs;
}

/** The trial with its BLQ rows left out (the same object when it has none): data-derived start values read values only. */
export function quantifiedTrial(trial: Trial): Trial {
  if (!trial.subjects.some((s) => [...s.pk, ...s.pd].some((o) => o.blq === true))) return trial;
  return { ...trial, subjects: trial.subjects.map((s) => ({ ...s, pk: quantified(s.pk), pd: quantified(s.pd) })) };
}

/** A subject's observations of one type (1 = PK, 2 = PD). */
export function observationsOf(subject: Subject, dvid: Dvid): readonly Observation[] {
  return dvid === DVID_PK ? subject.pk : subject.pd;
}

/** Per-subject covariates, for "resample the trial" populations. */
export function trialCovariates(trial: Trial): { id: number; bwKg: number; comed: 0 | 1 }[] {
  return trial.subjects.map((s) => ({ id: s.id, bwKg: s.bwKg, comed: s.comed }));
}

/** Fraction of subjects (not records) with COMED = 1. */
export function observedComedRate(trial: Trial): number {
  const n = trial.subjects.length;
  return n === 0 ? 0 : trial.subjects.filter((s) => s.comed === 1).length / n;
}

/** The unit the trial records its biomarker in: the spec's endpoints.biomarker.unit, else ng/mL (never converted). */
export function trialBiomarkerUnit(trial: Pick<Trial, 'units'>): string {
  return trial.units?.biomarker?.unit ?? DEFAULT_BIOMARKER_UNIT;
}
