/**
 * Start values of the drug effect for every PD structure, from the steady-state ratio rho = (mean
 * biomarker over the last dosing interval) / baseline. At a steady concentration each structure's
 * biomarker is R0 times: 1 - I (IDR I, direct inhibition), 1 / (1 - I) (II), 1 + S (III, direct Emax),
 * 1 / (1 + S) (IV); inverting it gives the fractional effect on the rate the drug acts on (I or S), which
 * start-values.ts relates to the concentration for IMAX or SMAX and the potency IC50. The transit chain's
 * steady state is its drive's mean, R0 (1 + S) like the direct Emax; the direct linear structures take
 * the signed relative change, whose slope against C starts SLOPE.
 */
import type { Subject } from '../ingest/trial.js';
import type { Structure } from '../structures/structure.js';

/** The fractional effect I or S implied by the ratio meanPd / base (IDR I: 1 - meanPd / base, as ever). */
export function effectFromRatio(structure: Structure, meanPd: number, base: number): number {
  switch (structure.turnover) {
    case 'kout-inhibition': return 1 - base / meanPd;
    case 'kin-stimulation': return meanPd / base - 1;
    case 'kout-stimulation': return base / meanPd - 1;
    default: return raises(structure) ? meanPd / base - 1 : 1 - meanPd / base;
  }
}

/** +1 when the drug lowers the biomarker (I, IV, direct inhibition), -1 when it raises it (II, III, Emax). */
export function loweringSign(structure: Structure): 1 | -1 {
  const t = structure.turnover;
  return t === 'kout-inhibition' || t === 'kin-stimulation' || raises(structure) ? -1 : 1;
}

/** Direct Emax and the transit chain raise the baseline; the linear structures' change is signed like theirs (R / R0 - 1). */
const raises = (structure: Structure): boolean => structure.directEffect?.stimulatory === true || structure.directEffect?.linear === true || structure.transit !== undefined;

/**
 * SLOPE (ng/mL per mg/L) of the direct linear structures: the median over treated subjects of the
 * signed change f = meanPd / base - 1 times the baseline, per unit of their mean concentration.
 */
export function startSlope(changes: readonly { f: number; c: number }[], r0: number): number {
  const slopes = changes.filter((x) => x.c > 0 && Number.isFinite(x.f)).map((x) => (x.f * r0) / x.c).sort((a, b) => a - b);
  return slopes.length === 0 ? 0 : (slopes[Math.floor((slopes.length - 1) / 2)]! + slopes[Math.ceil((slopes.length - 1) / 2)]!) / 2;
}

/**
 * KTR of the transit chain from the response's onset, read as a turnover rate kout = ln 2 / t_half:
 * a step through 3 equal compartments reaches half its height at KTR t = 2.674 (1 - e^{-x}(1 + x + x^2/2) = 1/2).
 */
export const startTransitRate = (koutFromOnset: number): number => (2.674 / Math.LN2) * koutFromOnset;

/** Upper end of the start value of the maximal effect: IMAX < 1 (0.95), SMAX any positive (100). */
export const startMaxEffectCap = (structure: Structure): number => (structure.fixedEffects.some((f) => f.name === 'SMAX') ? 100 : 0.95);

/**
 * A single-dose subject's effect, where no dosing interval is at steady state: at the response's extreme
 * (the quantified PD sample furthest from the baseline in the structure's direction) dR/dt = 0 for every
 * turnover model, so R / R0 is the steady-state ratio at the concentration of that moment (a direct
 * effect: at every moment; an effect compartment: Ce = C at Ce's extreme, near the response's). The
 * fractional effect f comes from that ratio (effectFromRatio), c is the concentration at that time
 * (the subject's PK samples interpolated log-linearly; null where its PK does not bracket the time),
 * and the onset is the first time after the dose the response covers half of that change (null when
 * the change is under 20 %, as the multiple-dose onset). Null: no quantified PD sample after the dose.
 */
export function singleDoseEffect(structure: Structure, s: Subject, base: number): { f: number; c: number; onsetH: number | null } | null {
  const dose = s.doses[0];
  if (dose === undefined) return null;
  const sign = loweringSign(structure);
  const after = s.pd.filter((o) => o.blq !== true && o.timeH > dose.timeH);
  if (after.length === 0) return null;
  const extreme = after.reduce((best, o) => (sign * (best.dv - o.dv) > 0 ? o : best));
  const c = concentrationAt(s.pk.filter((o) => o.blq !== true && o.timeH > dose.timeH), extreme.timeH);
  if (c === null) return null;
  const f = effectFromRatio(structure, extreme.dv, base);
  const change = sign * (base - extreme.dv);
  const half = f > 0.2 ? after.find((o) => o.timeH <= extreme.timeH && sign * (base - o.dv) >= 0.5 * change) : undefined;
  return { f, c, onsetH: half === undefined ? null : half.timeH - dose.timeH };
}

/** The concentration at time t from time-ordered samples: the sample at t, else log-linear between its neighbours. */
function concentrationAt(pk: readonly { timeH: number; dv: number }[], t: number): number | null {
  const i = pk.findIndex((o) => o.timeH >= t);
  if (i < 0) return null;
  const b = pk[i]!;
  if (b.timeH === t) return b.dv > 0 ? b.dv : null;
  const a = pk[i - 1];
  if (a === undefined || !(a.dv > 0) || !(b.dv > 0)) return null;
  return Math.exp(Math.log(a.dv) + ((t - a.timeH) / (b.timeH - a.timeH)) * (Math.log(b.dv) - Math.log(a.dv)));
}
