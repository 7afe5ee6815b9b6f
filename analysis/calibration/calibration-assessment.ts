/**
 * Everything calibration.json says about one model on one set of subjects (pure): logistic
 * recalibration (slope, intercept, calibration-in-the-large), ECE with its reliability table at 10 and
 * 20 equal-width bins, AUC (DeLong), Hosmer–Lemeshow, per-stratum reliability (body-weight tertiles of
 * these subjects and each level of each categorical covariate they carry), and the paper's gates.
 */
import { quantile } from 'd3-array';
import { calibrationInTheLarge, logisticRecalibration, type CalibrationInTheLarge, type Recalibration } from './recalibration.js';
import { AUC_METHOD, aucDeLong, type AucEstimate } from './discrimination.js';
import { HL_GROUPS, hosmerLemeshow, type HlDegreesOfFreedom, type HosmerLemeshow } from './hosmer-lemeshow.js';
import { equalWidthEdges, expectedCalibrationError, reliabilityBins, type ReliabilityBin } from './calibration-score.js';
import { aucGate, gateStatus, hosmerLemeshowGate, slopeGate, type Gate, type GateStatus } from './calibration-gates.js';

export const ECE_BINS: readonly number[] = [10, 20];
export const ECE_BINNING = 'equal-width bins on [0, 1] ([i/k, (i+1)/k), the last closed); ECE = sum over bins of (n_b / N) |observed rate - mean predicted|';

export interface AssessedSubject {
  readonly p: number;
  readonly y: 0 | 1;
  readonly bwKg: number;
  /** categorical covariates by name (COMED for EstData) */
  readonly categorical: Readonly<Record<string, number | string>>;
}

export interface EceTable {
  readonly bins: number;
  readonly ece: number;
  readonly table: readonly ReliabilityBin[];
}

export interface StratumReliability {
  readonly covariate: string;
  /** "T1 (48.2-63.0 kg)", "0", ... */
  readonly level: string;
  readonly n: number;
  readonly observed_rate: number;
  readonly mean_predicted: number;
  /** ECE at 10 equal-width bins within the stratum */
  readonly ece_10: number;
}

export interface CalibrationAssessment {
  readonly n: number;
  /** predictions were clipped to [clip, 1 - clip] for their logits (0.5 / trajectories per prediction) */
  readonly logit_clip: number;
  readonly recalibration: Recalibration;
  readonly calibration_in_the_large: CalibrationInTheLarge;
  readonly ece_binning: string;
  readonly ece: readonly EceTable[];
  readonly auc: AucEstimate & { readonly method: string };
  /** absent when there are fewer subjects than groups */
  readonly hosmer_lemeshow: HosmerLemeshow | null;
  readonly strata: readonly StratumReliability[];
  readonly gates: readonly Gate[];
  /** false: the model was fitted to these subjects, so passing gates shows nothing */
  readonly held_out: boolean;
  readonly gate_status: GateStatus;
}

function stratum(covariate: string, level: string, members: readonly AssessedSubject[]): StratumReliability {
  const p = members.map((s) => s.p);
  const y = members.map((s) => s.y);
  return {
    covariate, level, n: members.length,
    observed_rate: y.reduce<number>((s, v) => s + v, 0) / members.length,
    mean_predicted: p.reduce((s, v) => s + v, 0) / members.length,
    ece_10: expectedCalibrationError(reliabilityBins(p, y, equalWidthEdges(10))),
  };
}

/** BW tertiles of these subjects (type-7 quantiles at 1/3 and 2/3; a subject on a cut goes below it), then each categorical level in ascending order. */
export function strata(subjects: readonly AssessedSubject[]): StratumReliability[] {
  if (subjects.length === 0) return [];
  const bw = subjects.map((s) => s.bwKg).sort((a, b) => a - b);
  const cuts = [quantile(bw, 1 / 3) ?? NaN, quantile(bw, 2 / 3) ?? NaN];
  const tertile = (x: number): number => (x <= (cuts[0] ?? NaN) ? 0 : x <= (cuts[1] ?? NaN) ? 1 : 2);
  const out: StratumReliability[] = [];
  for (let t = 0; t < 3; t += 1) {
    const members = subjects.filter((s) => tertile(s.bwKg) === t);
    if (members.length === 0) continue;
    const w = members.map((s) => s.bwKg);
    out.push(stratum('BW', `T${t + 1} (${Math.min(...w)}–${Math.max(...w)} kg)`, members));
  }
  const names = [...new Set(subjects.flatMap((s) => Object.keys(s.categorical)))].sort();
  for (const name of names) {
    const levels = [...new Set(subjects.map((s) => s.categorical[name]).filter((v) => v !== undefined))].sort((a, b) => String(a).localeCompare(String(b), 'en', { numeric: true }));
    for (const level of levels) out.push(stratum(name, String(level), subjects.filter((s) => s.categorical[name] === level)));
  }
  return out;
}

/** hlDegreesOfFreedom 'in-sample' also means the subjects are not held out (the gate status cannot be "within"). */
export function assessCalibration(subjects: readonly AssessedSubject[], opts: { readonly logitClip: number; readonly hlDegreesOfFreedom: HlDegreesOfFreedom }): CalibrationAssessment {
  const p = subjects.map((s) => s.p);
  const y = subjects.map((s) => s.y);
  const recalibration = logisticRecalibration(p, y, opts.logitClip);
  const auc = aucDeLong(p, y);
  const hl = subjects.length >= HL_GROUPS ? hosmerLemeshow(p, y, opts.hlDegreesOfFreedom) : null;
  const gates = [slopeGate(recalibration), aucGate(auc), hosmerLemeshowGate(hl ?? undefined, subjects.length)];
  return {
    n: subjects.length,
    logit_clip: opts.logitClip,
    recalibration,
    calibration_in_the_large: calibrationInTheLarge(p, y, opts.logitClip),
    ece_binning: ECE_BINNING,
    ece: ECE_BINS.map((k) => {
      const table = reliabilityBins(p, y, equalWidthEdges(k));
      return { bins: k, ece: expectedCalibrationError(table), table };
    }),
    auc: { ...auc, method: AUC_METHOD },
    hosmer_lemeshow: hl,
    strata: strata(subjects),
    gates,
    held_out: opts.hlDegreesOfFreedom === 'held-out',
    gate_status: gateStatus(gates, opts.hlDegreesOfFreedom === 'held-out'),
  };
}
