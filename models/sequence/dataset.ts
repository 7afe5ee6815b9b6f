/**
 * The training set: last dosing windows on the QD grid, a seeded split by subject (stratified by arm,
 * so validation sees placebo and every dose), and the standardisations learned on the training
 * subjects only: per-feature z-scaling of x_t = (t/tau, dose/BW, COMED) and z-scaling of PD. The same
 * `featureRow` builds tfjs inputs here and is mirrored inside the ONNX graph (onnx-export.ts).
 */
import { InputError } from '../../worker/common/errors.js';
import type { Trial } from '../ingest/trial.js';
import type { SequenceRegimen } from './regimens.js';
import { permutation, STREAM } from './seeded.js';
import { lastDosingWindows, type SubjectWindow } from './window.js';

export interface Standardizer {
  readonly mean: number;
  readonly sd: number;
}

/** z-scaling of the three per-step features, in input order. */
export interface FeatureScaling {
  readonly tOverTau: Standardizer;
  readonly dosePerKg: Standardizer;
  readonly comed: Standardizer;
}

export interface SplitSpec {
  readonly seed: number;
  /** fraction of each arm held out for validation (early stopping) */
  readonly valFraction: number;
}

export interface SequenceDataset {
  readonly regimen: SequenceRegimen;
  readonly train: readonly SubjectWindow[];
  readonly val: readonly SubjectWindow[];
  readonly features: FeatureScaling;
  readonly target: Standardizer;
  readonly split: SplitSpec & { readonly trainIds: readonly number[]; readonly valIds: readonly number[] };
}

/** Mean and population SD; an SD of 0 (a constant feature) scales by 1 so the feature stays finite. */
export function standardizer(values: readonly number[]): Standardizer {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, sd: sd > 0 ? sd : 1 };
}

/** The unscaled features of one step: (t/tau, dose/BW, COMED). */
export function rawFeatures(tH: number, tauH: number, doseMg: number, bwKg: number, comed: number): [number, number, number] {
  return [tH / tauH, doseMg / bwKg, comed];
}

/** The z-scaled feature sequence [T, 3] (row-major) of one subject on a regimen's grid. */
export function featureRows(f: FeatureScaling, regimen: SequenceRegimen, doseMg: number, bwKg: number, comed: number): Float32Array {
  const out = new Float32Array(regimen.timesH.length * 3);
  const scales = [f.tOverTau, f.dosePerKg, f.comed];
  regimen.timesH.forEach((t, k) => {
    rawFeatures(t, regimen.tauH, doseMg, bwKg, comed).forEach((v, j) => {
      out[k * 3 + j] = (v - scales[j]!.mean) / scales[j]!.sd;
    });
  });
  return out;
}

/** Seeded per-arm split: within each arm (in file order), a permutation picks round(n * valFraction) for validation. */
export function splitSubjects(windows: readonly SubjectWindow[], spec: SplitSpec): { train: SubjectWindow[]; val: SubjectWindow[] } {
  if (!(spec.valFraction > 0 && spec.valFraction < 1)) throw new InputError(`valFraction (${spec.valFraction}) must be in (0, 1)`);
  const arms = [...new Set(windows.map((w) => w.armDoseMg))].sort((a, b) => a - b);
  const valIds = new Set<number>();
  arms.forEach((arm, a) => {
    const members = windows.filter((w) => w.armDoseMg === arm);
    const nVal = Math.min(members.length - 1, Math.round(members.length * spec.valFraction));
    permutation(spec.seed, STREAM.split, a, members.length)
      .slice(0, nVal)
      .forEach((i) => valIds.add(members[i]!.id));
  });
  return { train: windows.filter((w) => !valIds.has(w.id)), val: windows.filter((w) => valIds.has(w.id)) };
}

export function buildDataset(trial: Trial, regimen: SequenceRegimen, split: SplitSpec): SequenceDataset {
  const windows = lastDosingWindows(trial, { tauH: regimen.tauH, gridH: regimen.timesH });
  const { train, val } = splitSubjects(windows, split);
  if (train.length === 0 || val.length === 0) {
    throw new InputError(`${trial.file}: ${windows.length} subject(s) cannot be split into non-empty training and validation sets`);
  }
  const raw = train.flatMap((w) => regimen.timesH.map((t) => rawFeatures(t, regimen.tauH, w.doseMg, w.bwKg, w.comed)));
  const features: FeatureScaling = {
    tOverTau: standardizer(raw.map((r) => r[0])),
    dosePerKg: standardizer(raw.map((r) => r[1])),
    comed: standardizer(raw.map((r) => r[2])),
  };
  const target = standardizer(train.flatMap((w) => w.pdNgMl));
  return { regimen, train, val, features, target, split: { ...split, trainIds: train.map((w) => w.id), valIds: val.map((w) => w.id) } };
}

/** Inputs [n, T, 3] and z-scaled targets [n, T] of a subset, as flat float32 arrays. */
export function toArrays(ds: SequenceDataset, subset: readonly SubjectWindow[]): { x: Float32Array; y: Float32Array; n: number; steps: number } {
  const steps = ds.regimen.timesH.length;
  const x = new Float32Array(subset.length * steps * 3);
  const y = new Float32Array(subset.length * steps);
  subset.forEach((w, i) => {
    x.set(featureRows(ds.features, ds.regimen, w.doseMg, w.bwKg, w.comed), i * steps * 3);
    w.pdNgMl.forEach((v, k) => (y[i * steps + k] = (v - ds.target.mean) / ds.target.sd));
  });
  return { x, y, n: subset.length, steps };
}
