/**
 * The QuSOP paper's calibration gates (pure), judged on a model's held-out subjects:
 *   - calibration slope in [0.9, 1.1] (milestones M2 and M5, risk R2),
 *   - AUC >= 0.80 on held-out subjects (milestone M5),
 *   - Hosmer–Lemeshow not failing (risk R2; the paper names no level, we take the usual 5 %).
 * ECE and calibration-in-the-large are reported beside the gates but gate nothing: the paper asks for
 * them (with binning sensitivity) without a threshold.
 *
 * Each gate is judged on its 95 % interval, not on the point estimate, so a handful of subjects cannot
 * pass a model by luck: pass when the whole interval is inside the gate, fail when the whole interval
 * is outside, and "inconclusive" when the interval straddles the gate (too few subjects to judge either
 * way) or the statistic cannot be estimated. Hosmer–Lemeshow has no interval: it is judged on its
 * p-value once there are at least 5 subjects per group (HL_MIN_SUBJECTS), inconclusive below that (the
 * chi-square law of the statistic does not hold for groups of one or two).
 * The model's status: "outside" when any gate fails, "not-shown" when none fails but one is
 * inconclusive or the subjects are in-sample (the paper's gates are for held-out subjects; an
 * in-sample failure still counts), "within" only when every gate passes on subjects the model never saw. Gates never change a decision; the report flags
 * the model next to its decisions.
 */
import type { AucEstimate } from './discrimination.js';
import { HL_GROUPS, type HosmerLemeshow } from './hosmer-lemeshow.js';
import type { Recalibration } from './recalibration.js';

export const SLOPE_GATE: readonly [number, number] = [0.9, 1.1];
export const AUC_GATE = 0.8;
export const HL_ALPHA = 0.05;
export const HL_MIN_SUBJECTS = 5 * HL_GROUPS;

export type GateVerdict = 'pass' | 'fail' | 'inconclusive';
export type GateStatus = 'within' | 'outside' | 'not-shown';

export interface Gate {
  readonly gate: 'calibration slope' | 'AUC' | 'Hosmer–Lemeshow';
  /** the gate in words */
  readonly rule: string;
  readonly estimate: number | null;
  /** 95 % interval (null for Hosmer–Lemeshow and when not estimable) */
  readonly ci: readonly [number, number] | null;
  /** Hosmer–Lemeshow only */
  readonly p_value: number | null;
  readonly verdict: GateVerdict;
  /** why, in words */
  readonly why: string;
}

const f2 = (x: number): string => x.toFixed(2);
const ciText = (lo: number, hi: number): string => `95 % CI [${f2(lo)}, ${f2(hi)}]`;

export function slopeGate(r: Recalibration): Gate {
  const rule = `slope in [${SLOPE_GATE[0]}, ${SLOPE_GATE[1]}]`;
  if (!r.estimable) return { gate: 'calibration slope', rule, estimate: null, ci: null, p_value: null, verdict: 'inconclusive', why: `not estimable: ${r.reason}` };
  const { estimate, lo, hi } = r.slope;
  const [gLo, gHi] = SLOPE_GATE;
  const verdict: GateVerdict = lo >= gLo && hi <= gHi ? 'pass' : hi < gLo || lo > gHi ? 'fail' : 'inconclusive';
  const why = verdict === 'pass' ? `${ciText(lo, hi)} inside the gate`
    : verdict === 'fail' ? `${ciText(lo, hi)} entirely ${hi < gLo ? 'below' : 'above'} the gate`
      : `${ciText(lo, hi)} straddles the gate: too few subjects to judge`;
  return { gate: 'calibration slope', rule, estimate, ci: [lo, hi], p_value: null, verdict, why };
}

export function aucGate(a: AucEstimate): Gate {
  const rule = `AUC ≥ ${AUC_GATE.toFixed(2)}`;
  if (!a.estimable) return { gate: 'AUC', rule, estimate: null, ci: null, p_value: null, verdict: 'inconclusive', why: `not estimable: ${a.reason}` };
  const verdict: GateVerdict = a.lo >= AUC_GATE ? 'pass' : a.hi < AUC_GATE ? 'fail' : 'inconclusive';
  const why = verdict === 'pass' ? `${ciText(a.lo, a.hi)} above ${AUC_GATE}` : verdict === 'fail' ? `${ciText(a.lo, a.hi)} entirely below ${AUC_GATE}` : `${ciText(a.lo, a.hi)} straddles ${AUC_GATE}: too few subjects to judge`;
  return { gate: 'AUC', rule, estimate: a.auc, ci: [a.lo, a.hi], p_value: null, verdict, why };
}

export function hosmerLemeshowGate(hl: HosmerLemeshow | undefined, n: number): Gate {
  const rule = `Hosmer–Lemeshow p ≥ ${HL_ALPHA} (${HL_GROUPS} groups)`;
  if (hl === undefined) return { gate: 'Hosmer–Lemeshow', rule, estimate: null, ci: null, p_value: null, verdict: 'inconclusive', why: `${n} subjects cannot fill ${HL_GROUPS} groups` };
  const base = { gate: 'Hosmer–Lemeshow', rule, estimate: hl.statistic, ci: null, p_value: hl.p_value } as const;
  const stat = `C = ${f2(hl.statistic)}, df ${hl.df}, p = ${hl.p_value.toPrecision(2)}`;
  if (n < HL_MIN_SUBJECTS) return { ...base, verdict: 'inconclusive', why: `${stat}; ${n} subjects (< ${HL_MIN_SUBJECTS}, 5 per group): too few to judge` };
  return hl.p_value < HL_ALPHA ? { ...base, verdict: 'fail', why: `${stat} < ${HL_ALPHA}` } : { ...base, verdict: 'pass', why: stat };
}

/** heldOut: the subjects were not used to fit the model; the paper's gates are for held-out subjects, so in-sample passes show nothing. */
export function gateStatus(gates: readonly Gate[], heldOut: boolean): GateStatus {
  if (gates.some((g) => g.verdict === 'fail')) return 'outside';
  return heldOut && gates.every((g) => g.verdict === 'pass') ? 'within' : 'not-shown';
}
