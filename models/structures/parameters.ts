/**
 * The population PK/PD model's parameter contract, shared by estimation (fit), simulation and ONNX
 * export. Structural model: 2-compartment PK with first-order absorption and allometric body weight
 * (reference 70 kg; exponents fixed at 0.75 for clearances, 1 for volumes), and an indirect-response
 * PD model with inhibited production: dR/dt = kin (1 - Imax C^g / (IC50^g + C^g)) - kout R, R0 = kin/kout,
 * COMED multiplying the baseline by exp(beta_comed). Inter-individual variability is log-normal
 * (eta ~ N(0, Omega)) on the parameters named in ETA_NAMES.
 *
 * The packed vector `theta` (one parameter-uncertainty draw; ONNX input `theta [B, P]`) holds the
 * transformed fixed effects in FIXED_EFFECTS order followed by the lower-triangular Cholesky factor
 * of Omega, row-major (K (K + 1) / 2 entries). ONNX graphs take eta as standard-normal z and compute
 * eta = L z themselves, so a replicate's draw carries its own Omega.
 */

import type { Structure } from './structure.js';
import { covariateShift } from './covariate-effects.js';
import { pdVariantOf, type Turnover } from './turnover.js';

export const REFERENCE_BW_KG = 70;
export const ALLOMETRY = { clearance: 0.75, volume: 1 } as const;

export type Transform = 'log' | 'logit' | 'identity';

/**
 * The parameter namespace of every structure, in packed order: name, transform, unit, meaning, and the
 * neutral natural-scale value the parameter holds in a structure that lacks it (never read there).
 * New parameters are appended: a structure's layout is its subset in this order, so appending leaves
 * every existing layout (and the shipped cards) unchanged.
 */
export const FIXED_EFFECTS = [
  { name: 'CL', transform: 'log', unit: 'L/h', doc: 'clearance at 70 kg', neutral: 1 },
  { name: 'V1', transform: 'log', unit: 'L', doc: 'central volume at 70 kg', neutral: 1 },
  { name: 'Q', transform: 'log', unit: 'L/h', doc: 'inter-compartmental clearance at 70 kg', neutral: 0 },
  { name: 'V2', transform: 'log', unit: 'L', doc: 'peripheral volume at 70 kg', neutral: 1 },
  { name: 'KA', transform: 'log', unit: '1/h', doc: 'first-order absorption rate', neutral: 1 },
  { name: 'R0', transform: 'log', unit: 'ng/mL', doc: 'baseline biomarker without COMED', neutral: 1 },
  { name: 'BETA_COMED_R0', transform: 'identity', unit: '', doc: 'log-multiplier of the baseline with COMED', neutral: 0 },
  { name: 'KOUT', transform: 'log', unit: '1/h', doc: 'biomarker turnover (loss) rate', neutral: 1 },
  { name: 'IMAX', transform: 'logit', unit: '', doc: 'maximal fractional inhibition of production (0..1)', neutral: 0.5 },
  { name: 'IC50', transform: 'log', unit: 'mg/L', doc: 'concentration at half-maximal inhibition', neutral: 1 },
  { name: 'GAMMA', transform: 'log', unit: '', doc: 'Hill coefficient of the inhibition', neutral: 1 },
  { name: 'KE0', transform: 'log', unit: '1/h', doc: 'effect-compartment equilibration rate (direct-effect PD)', neutral: 1 },
  { name: 'SMAX', transform: 'log', unit: '', doc: 'maximal fractional stimulation (> 0; of kin, kout or the baseline; potency IC50)', neutral: 1 },
  { name: 'ALAG', transform: 'log', unit: 'h', doc: 'absorption lag time (oral doses reach the depot ALAG hours after they are given)', neutral: 0 },
  { name: 'D1', transform: 'log', unit: 'h', doc: 'duration of zero-order absorption (NONMEM RATE = -2: each dose enters the central compartment at AMT / D1 for D1 hours)', neutral: 0 },
  { name: 'SLOPE', transform: 'identity', unit: 'ng/mL per mg/L', doc: 'direct linear effect: change of the biomarker per unit concentration (either sign)', neutral: 0 },
  { name: 'KTR', transform: 'log', unit: '1/h', doc: 'transit rate of the PD delay chain (3 equal compartments; mean delay 3 / KTR)', neutral: 1 },
  { name: 'Q3', transform: 'log', unit: 'L/h', doc: 'second inter-compartmental clearance at 70 kg (3-compartment PK)', neutral: 0 },
  { name: 'V3', transform: 'log', unit: 'L', doc: 'second peripheral volume at 70 kg (3-compartment PK)', neutral: 1 },
  { name: 'MTT', transform: 'log', unit: 'h', doc: 'mean transit time of the absorption chain (transit-absorption PK: 3 compartments of rate 4 / MTT before the depot)', neutral: 0 },
  { name: 'VMAX', transform: 'log', unit: 'mg/h', doc: 'maximal rate of saturable (Michaelis-Menten) elimination at 70 kg', neutral: 0 },
  { name: 'KM', transform: 'log', unit: 'mg/L', doc: 'concentration at half-maximal saturable elimination', neutral: 1 },
] as const satisfies readonly { name: string; transform: Transform; unit: string; doc: string; neutral: number }[];

export type FixedEffectName = (typeof FIXED_EFFECTS)[number]['name'];
export type FixedEffectSpec = (typeof FIXED_EFFECTS)[number];

/** Parameters that carry inter-individual variability, in eta order. */
export const ETA_NAMES = ['CL', 'V1', 'KA', 'R0', 'KOUT', 'IC50'] as const satisfies readonly FixedEffectName[];
export type EtaName = (typeof ETA_NAMES)[number];

/** Parameters appended for later structures (direct-effect KE0, stimulation SMAX, absorption lag ALAG, zero-order duration D1, direct linear SLOPE, transit KTR, second peripheral Q3, V3, absorption transit time MTT, saturable elimination VMAX, KM): not in the shipped 2-compartment IDR layout. */
const APPENDED: readonly FixedEffectName[] = ['KE0', 'SMAX', 'ALAG', 'D1', 'SLOPE', 'KTR', 'Q3', 'V3', 'MTT', 'VMAX', 'KM'];
const SHIPPED_FIXED_EFFECTS = FIXED_EFFECTS.filter((f) => !APPENDED.includes(f.name));

/** The shipped 2-compartment IDR layout's sizes (the default layout below). */
export const K_ETA = ETA_NAMES.length;
export const P_FIXED = SHIPPED_FIXED_EFFECTS.length;
export const P_THETA = P_FIXED + (K_ETA * (K_ETA + 1)) / 2;

/** Natural-scale typical values. */
export type FixedEffects = Readonly<Record<FixedEffectName, number>>;

export interface PopulationParameters {
  readonly fixed: FixedEffects;
  /** K x K covariance of eta (log scale), ETA_NAMES order */
  readonly omega: readonly (readonly number[])[];
  /** residual error: PK proportional (fraction) and additive (mg/L); PD additive (ng/mL) */
  readonly sigma: { readonly pkProportional: number; readonly pkAdditive: number; readonly pdAdditive: number };
}

/** Individual (natural-scale) parameters of one subject. */
export interface IndividualParameters {
  readonly CL: number; readonly V1: number; readonly Q: number; readonly V2: number; readonly KA: number;
  readonly R0: number; readonly KOUT: number; readonly KIN: number; readonly IMAX: number; readonly IC50: number; readonly GAMMA: number;
  /**
   * Direct-effect PD (direct-effect.ts): R = R0 (1 - I(Ce)), Ce the effect-site concentration with
   * equilibration rate KE0 (Infinity: Ce = C, driven by the plasma). Absent: the indirect response.
   */
  readonly DIRECT?: { readonly KE0: number };
  /** Which rate the drug acts on and how (turnover.ts); absent: inhibition of KIN (indirect response I). */
  readonly TURNOVER?: Turnover;
  /** maximal fractional stimulation; present exactly when the drug stimulates (IDR III, IV, direct Emax: R0 (1 + S(Ce))) */
  readonly SMAX?: number;
  /** absorption lag (h) of oral doses (lag-time structures); absent: none */
  readonly ALAG?: number;
  /** zero-order absorption duration (h) of the zero-order structures: every dose enters the central compartment over D1; absent: none */
  readonly D1?: number;
  /** direct linear PD (linear-effect-structures.ts): R = max(0, R0 + SLOPE C); with DIRECT (KE0 Infinity) */
  readonly SLOPE?: number;
  /** transit-delay PD (transit-chain.ts): the drive R0 (1 + S(C)) through 3 compartments of rate KTR */
  readonly TRANSIT?: { readonly KTR: number };
  /** second peripheral compartment (3-compartment structures, pk3.ts): clearance (L/h) and volume (L); absent: none */
  readonly Q3?: number;
  readonly V3?: number;
  /** mean transit time (h) of the transit-absorption chain (transit-absorption.ts); absent: first-order absorption */
  readonly MTT?: number;
  /** saturable elimination (michaelis-menten.ts) VMAX C / (KM + C) (mg/h, mg/L), alongside CL; absent: none */
  readonly VMAX?: number;
  readonly KM?: number;
}

const logit = (p: number): number => Math.log(p / (1 - p));
const expit = (x: number): number => 1 / (1 + Math.exp(-x));

export function toTransformed(name: FixedEffectName, value: number): number {
  const t = FIXED_EFFECTS.find((f) => f.name === name)?.transform;
  return t === 'log' ? Math.log(value) : t === 'logit' ? logit(value) : value;
}

export function fromTransformed(name: FixedEffectName, x: number): number {
  const t = FIXED_EFFECTS.find((f) => f.name === name)?.transform;
  return t === 'log' ? Math.exp(x) : t === 'logit' ? expit(x) : x;
}

/** Lower Cholesky factor (row-major K x K) of a covariance matrix; throws on a non-positive pivot. */
export function choleskyLower(m: readonly (readonly number[])[]): number[] {
  const K = m.length;
  const L = new Array<number>(K * K).fill(0);
  for (let i = 0; i < K; i += 1) {
    for (let j = 0; j <= i; j += 1) {
      let s = m[i]?.[j] ?? 0;
      for (let k = 0; k < j; k += 1) s -= (L[i * K + k] ?? 0) * (L[j * K + k] ?? 0);
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`Omega is not positive definite (pivot ${i}: ${s})`);
        L[i * K + i] = Math.sqrt(s);
      } else L[i * K + j] = s / (L[j * K + j] ?? 1);
    }
  }
  return L;
}

/** A structure's theta layout (default: the 2-compartment PK/PD structure's, the namespace but its appended parameters). */
export interface ThetaLayout {
  readonly fixedEffects: readonly FixedEffectSpec[];
  readonly etaNames: readonly EtaName[];
  readonly absent: Readonly<Partial<Record<FixedEffectName, number>>>;
}
const NAMESPACE: ThetaLayout = {
  fixedEffects: SHIPPED_FIXED_EFFECTS,
  etaNames: ETA_NAMES,
  absent: Object.fromEntries(FIXED_EFFECTS.filter((f) => APPENDED.includes(f.name)).map((f) => [f.name, f.neutral])),
};

/** Entries of a structure's packed theta: its fixed effects, then K (K + 1) / 2 Cholesky entries. */
export function thetaSize(s: ThetaLayout = NAMESPACE): number {
  const k = s.etaNames.length;
  return s.fixedEffects.length + (k * (k + 1)) / 2;
}

/** theta = [transformed fixed effects..., lower-triangular Cholesky of Omega row-major], in the structure's layout. */
export function packTheta(p: PopulationParameters, s: ThetaLayout = NAMESPACE): number[] {
  const out = s.fixedEffects.map((f) => toTransformed(f.name, p.fixed[f.name]));
  const k = s.etaNames.length;
  const L = choleskyLower(p.omega);
  for (let i = 0; i < k; i += 1) for (let j = 0; j <= i; j += 1) out.push(L[i * k + j] ?? 0);
  return out;
}

/** The natural-scale record and Omega's Cholesky factor (K x K, the structure's etas) of a packed theta. */
export function unpackTheta(theta: readonly number[], s: ThetaLayout = NAMESPACE): { fixed: FixedEffects; omegaCholesky: number[] } {
  const size = thetaSize(s);
  if (theta.length !== size) throw new RangeError(`theta has ${theta.length} entries, expected ${size}`);
  const fixed = fixedRecord(s, (name, i) => fromTransformed(name, theta[i] ?? NaN));
  const k = s.etaNames.length;
  const L = new Array<number>(k * k).fill(0);
  let at = s.fixedEffects.length;
  for (let i = 0; i < k; i += 1) for (let j = 0; j <= i; j += 1) L[i * k + j] = theta[at++] ?? NaN;
  return { fixed, omegaCholesky: L };
}

/** The full natural-scale record: the structure's parameters from `value` (name, layout index), the others at their neutral value. */
export function fixedRecord(s: ThetaLayout, value: (name: FixedEffectName, index: number) => number): FixedEffects {
  const record = Object.fromEntries(FIXED_EFFECTS.map((f) => {
    const i = s.fixedEffects.findIndex((g) => g.name === f.name);
    return [f.name, i >= 0 ? value(f.name, i) : (s.absent[f.name] ?? NaN)];
  }));
  // declared covariate effects' coefficients (covariate-effects.ts) follow the namespace, by their own names
  s.fixedEffects.forEach((g, i) => { if (!(g.name in record)) record[g.name] = value(g.name, i); });
  return record as FixedEffects;
}

/**
 * Individual parameters from typical values, covariates and eta (log-scale deviations, ETA_NAMES order).
 * A one-compartment structure has no peripheral compartment: Q = 0 (the simulator is exact there).
 */
export function individualParameters(fixed: FixedEffects, bwKg: number, comed: number, eta: readonly number[], structure?: Structure, covariates?: Readonly<Record<string, number>>): IndividualParameters {
  const names: readonly EtaName[] = structure?.etaNames ?? ETA_NAMES;
  // declared covariate effects add beta * feature to log P (covariate-effects.ts); none: 0 exactly
  const shift = structure?.covariateEffects === undefined ? {} : covariateShift(structure, (n) => (fixed as Readonly<Record<string, number>>)[n] ?? NaN, covariates);
  const e = (name: EtaName): number => {
    const i = names.indexOf(name);
    return (i < 0 ? 0 : (eta[i] ?? 0)) + (shift[name] ?? 0);
  };
  const x = (name: FixedEffectName): number => (shift[name] === undefined ? 1 : Math.exp(shift[name]));
  const w = bwKg / REFERENCE_BW_KG;
  const R0 = fixed.R0 * Math.exp(fixed.BETA_COMED_R0 * comed + e('R0'));
  const KOUT = fixed.KOUT * Math.exp(e('KOUT'));
  return {
    CL: fixed.CL * w ** ALLOMETRY.clearance * Math.exp(e('CL')),
    V1: fixed.V1 * w ** ALLOMETRY.volume * Math.exp(e('V1')),
    Q: structure?.compartments === 1 ? 0 : fixed.Q * w ** ALLOMETRY.clearance * x('Q'),
    V2: fixed.V2 * w ** ALLOMETRY.volume * x('V2'),
    KA: fixed.KA * Math.exp(e('KA')),
    R0, KOUT, KIN: R0 * KOUT,
    IMAX: fixed.IMAX,
    IC50: fixed.IC50 * Math.exp(e('IC50')),
    GAMMA: fixed.GAMMA * x('GAMMA'),
    ...(structure === undefined || structure.absent.ALAG !== undefined ? {} : { ALAG: fixed.ALAG * x('ALAG') }),
    ...(structure === undefined || structure.absent.D1 !== undefined ? {} : { D1: fixed.D1 * x('D1') }),
    // the second peripheral compartment scales as Q and V2 do
    ...(structure === undefined || structure.absent.MTT !== undefined ? {} : { MTT: fixed.MTT * x('MTT') }),
    ...(structure?.compartments !== 3 ? {} : { Q3: fixed.Q3 * w ** ALLOMETRY.clearance * x('Q3'), V3: fixed.V3 * w ** ALLOMETRY.volume * x('V3') }),
    // saturable elimination: VMAX scales as a clearance does
    ...(structure === undefined || structure.absent.VMAX !== undefined ? {} : { VMAX: fixed.VMAX * w ** ALLOMETRY.clearance * x('VMAX'), KM: fixed.KM * x('KM') }),
    ...(structure?.directEffect === undefined ? {} : { DIRECT: { KE0: structure.directEffect.effectCompartment ? fixed.KE0 * x('KE0') : Infinity } }),
    ...pdVariantOf(fixed, structure),
    ...(structure?.directEffect?.linear === true ? { SLOPE: fixed.SLOPE } : {}),
    ...(structure?.transit === undefined ? {} : { TRANSIT: { KTR: fixed.KTR * x('KTR') }, SMAX: fixed.SMAX }),
  };
}
