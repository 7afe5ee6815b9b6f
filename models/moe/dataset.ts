/**
 * The cascade's data: the sequence models' QD-window dataset (same windows, same seeded split by
 * subject, same z-scaling of t/tau, dose/BW, COMED and PD: models/sequence/dataset.ts), plus what the
 * cascade adds: BW and dose z-scaled from the training subjects, periodic time features, and each
 * subject's concentration window (DVID 1) resampled to the same grid as window.ts resamples PD.
 *
 * PK in the window: a placebo subject's concentration is 0 (no drug given). A dosed subject whose PK
 * observations (BLQ rows dropped) do not span the window has no PK target: it is left out of the PK
 * stage's training and validation (the PD stage still learns from it, through the predicted PK).
 * A trial where no dosed training subject has a PK window is refused (the PK stage would learn
 * nothing), and one where no validation subject has one (its early stopping would have no loss).
 */
import { InputError } from '../../worker/common/errors.js';
import type { Trial } from '../ingest/trial.js';
import { buildDataset, standardizer, type SequenceDataset, type Standardizer, type SplitSpec } from '../sequence/dataset.js';
import type { SequenceRegimen } from '../sequence/regimens.js';
import { interpolate, type SubjectWindow } from '../sequence/window.js';

/** Per-subject inputs in order: dose/BW, COMED, BW, dose (all z-scaled). */
export const COVARIATES = ['dose_per_kg', 'comed', 'bw', 'dose'] as const;
/** Per-step inputs in order: z(t/tau), sin(2 pi t/tau), cos(2 pi t/tau). */
export const TIME_FEATURES = ['t_over_tau_z', 'sin_2pi_t_over_tau', 'cos_2pi_t_over_tau'] as const;

export interface CovariateScaling {
  readonly dosePerKg: Standardizer;
  readonly comed: Standardizer;
  readonly bw: Standardizer;
  readonly dose: Standardizer;
  readonly tOverTau: Standardizer;
}

export interface CascadeDataset {
  readonly seq: SequenceDataset;
  readonly scaling: CovariateScaling;
  /** z-scaling of concentration (ng/mL), training subjects' windows */
  readonly pkTarget: Standardizer;
  /** concentration window per subject id on the grid; undefined: no PK window (see above) */
  readonly pk: ReadonlyMap<number, readonly number[] | undefined>;
  /** dosed subjects without a PK window (for the card) */
  readonly pkMissingIds: readonly number[];
}

export interface Covariates {
  readonly doseMg: number;
  readonly bwKg: number;
  readonly comed: number;
}

const z = (s: Standardizer, v: number): number => (v - s.mean) / s.sd;

/** The z-scaled covariate row [4] of one subject. */
export function covariateRow(s: CovariateScaling, c: Covariates): number[] {
  return [z(s.dosePerKg, c.doseMg / c.bwKg), z(s.comed, c.comed), z(s.bw, c.bwKg), z(s.dose, c.doseMg)];
}

/** The time features [T, 3] of a regimen's grid (row-major). */
export function timeRows(s: CovariateScaling, regimen: SequenceRegimen): Float32Array {
  return Float32Array.from(
    regimen.timesH.flatMap((t) => {
      const u = t / regimen.tauH;
      return [z(s.tOverTau, u), Math.sin(2 * Math.PI * u), Math.cos(2 * Math.PI * u)];
    }),
  );
}

/** Concentration on the grid of a subject's window, or undefined where the PK rows do not span it. */
function pkWindow(trial: Trial, w: SubjectWindow, regimen: SequenceRegimen): number[] | undefined {
  const s = trial.subjects.find((x) => x.id === w.id)!;
  if (s.doses.length === 0) return regimen.timesH.map(() => 0);
  const obs = s.pk.filter((o) => o.blq !== true && o.timeH >= w.startH && o.timeH <= w.startH + regimen.tauH);
  const ts = obs.map((o) => o.timeH - w.startH);
  const [from, to] = [Math.min(...regimen.timesH), Math.max(...regimen.timesH)];
  if (obs.length < 2 || ts[0]! > from || ts[ts.length - 1]! < to) return undefined;
  const ys = obs.map((o) => o.dv);
  return regimen.timesH.map((t) => interpolate(ts, ys, t));
}

export function buildCascadeDataset(trial: Trial, regimen: SequenceRegimen, split: SplitSpec): CascadeDataset {
  const seq = buildDataset(trial, regimen, split);
  const pk = new Map(seq.train.concat(seq.val).map((w) => [w.id, pkWindow(trial, w, regimen)] as const));
  const dosedWithPk = seq.train.filter((w) => w.doseMg > 0 && pk.get(w.id) !== undefined);
  if (dosedWithPk.length === 0) {
    throw new InputError(`${trial.file}: no dosed training subject has concentration (DVID 1) observations spanning its last dosing window [0, ${regimen.tauH}] h; the cascade's PK stage needs them`, { details: { file: trial.file } });
  }
  if (!seq.val.some((w) => pk.get(w.id) !== undefined)) {
    throw new InputError(`${trial.file}: no validation subject (IDs ${seq.split.valIds.join(', ')}) has a concentration window; the PK stage's early stopping needs one`, { details: { file: trial.file } });
  }
  const scaling: CovariateScaling = {
    ...seq.features,
    bw: standardizer(seq.train.map((w) => w.bwKg)),
    dose: standardizer(seq.train.map((w) => w.doseMg)),
  };
  const pkTarget = standardizer(seq.train.flatMap((w) => pk.get(w.id) ?? []));
  const pkMissingIds = [...pk].filter(([, v]) => v === undefined).map(([id]) => id);
  return { seq, scaling, pkTarget, pk, pkMissingIds };
}

/** Stage inputs and targets of a subset: x [n, T, 7] (covariates then time), PD z [n, T], PK z [n, T] (NaN: none). */
export function cascadeArrays(ds: CascadeDataset, subset: readonly SubjectWindow[]): { x: Float32Array; pd: Float32Array; pk: Float32Array; n: number; steps: number } {
  const T = ds.seq.regimen.timesH.length;
  const x = inputRows(ds.scaling, ds.seq.regimen, subset);
  const pd = new Float32Array(subset.length * T);
  const pk = new Float32Array(subset.length * T);
  subset.forEach((w, i) => {
    const conc = ds.pk.get(w.id);
    for (let t = 0; t < T; t++) {
      pd[i * T + t] = z(ds.seq.target, w.pdNgMl[t]!);
      pk[i * T + t] = conc === undefined ? NaN : z(ds.pkTarget, conc[t]!);
    }
  });
  return { x, pd, pk, n: subset.length, steps: T };
}

/** Model inputs [n, T, 7] for arbitrary subjects on a regimen's grid (reference predictions, tests). */
export function inputRows(s: CovariateScaling, regimen: SequenceRegimen, subjects: readonly Covariates[]): Float32Array {
  const T = regimen.timesH.length;
  const time = timeRows(s, regimen);
  const x = new Float32Array(subjects.length * T * 7);
  subjects.forEach((c, i) => {
    const cov = covariateRow(s, c);
    for (let t = 0; t < T; t++) {
      x.set(cov, (i * T + t) * 7);
      x.set(time.subarray(t * 3, t * 3 + 3), (i * T + t) * 7 + 4);
    }
  });
  return x;
}
