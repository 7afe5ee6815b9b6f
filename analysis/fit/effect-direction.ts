/**
 * Which way the drug moves the biomarker, read from the trial itself, to choose the default PK/PD
 * candidates (issue 18 §2): a response that falls under drug is an inhibition of production (IDR I), a
 * stimulation of loss (IDR IV) or a direct inhibitory Imax (plasma or effect-compartment driven); one
 * that rises is an inhibition of loss (IDR II), a stimulation of production (IDR III) or a direct
 * stimulatory Emax or the transit-delay chain (its stimulatory drive); the direct linear effect goes either
 * way (SLOPE's sign is estimated). A structure of the other direction cannot describe the data, so
 * fitting it (minutes of SAEM) only costs time.
 *
 * The test: each dosed subject with a biomarker sample before its first dose (the baseline) and after it
 * gives the sign of mean(after) - mean(before); under no drug effect those signs are fair coins, so an
 * exact two-sided sign test over the subjects at level ALPHA decides. Without a decision (no baselines,
 * too few subjects, or no clear majority) both directions' candidates are fitted.
 */
import gammaln from '@stdlib/math-base-special-gammaln';
import type { Subject, Trial } from '../../models/ingest/trial.js';
import type { Structure } from '../../models/structures/structure.js';

export type EffectDirection = 'falls' | 'rises';

export const ALPHA = 0.01;

export interface DirectionEvidence {
  /** undefined: not decided (both directions' candidates are fitted) */
  readonly direction: EffectDirection | undefined;
  readonly rises: number;
  readonly falls: number;
  /** exact two-sided sign-test p-value (1 with no subjects) */
  readonly p: number;
  /** one line for the log and the fit report */
  readonly summary: string;
}

/**
 * The direction a structure's PD moves the biomarker in: 'either' for the direct linear effect (the sign
 * of SLOPE is estimated), undefined for PK-only structures.
 */
export function structureDirection(s: Structure): EffectDirection | 'either' | undefined {
  if (!s.pd) return undefined;
  if (s.directEffect?.linear === true) return 'either';
  if (s.transit !== undefined) return 'rises'; // the stimulatory drive through the chain (the only one registered)
  if (s.directEffect !== undefined) return s.directEffect.stimulatory === true ? 'rises' : 'falls';
  switch (s.turnover) {
    case undefined: return 'falls'; // type I: inhibition of production
    case 'kout-inhibition': return 'rises';
    case 'kin-stimulation': return 'rises';
    case 'kout-stimulation': return 'falls';
    default: return undefined;
  }
}

/** P(X <= k) + P(X >= n - k) for X ~ Binomial(n, 1/2), k <= n / 2: the exact two-sided sign-test p-value. */
export function signTestP(k: number, n: number): number {
  if (n === 0) return 1;
  const low = Math.min(k, n - k);
  let tail = 0;
  for (let i = 0; i <= low; i += 1) tail += Math.exp(gammaln(n + 1) - gammaln(i + 1) - gammaln(n - i + 1) - n * Math.LN2);
  return Math.min(1, 2 * tail);
}

function subjectSign(s: Subject): number | undefined {
  const first = s.doses.find((d) => d.amtMg > 0);
  if (first === undefined) return undefined; // placebo: no drug to move anything
  const values = s.pd.filter((o) => o.blq !== true);
  const before = values.filter((o) => o.timeH <= first.timeH);
  const after = values.filter((o) => o.timeH > first.timeH);
  if (before.length === 0 || after.length === 0) return undefined;
  const mean = (xs: readonly { dv: number }[]): number => xs.reduce((a, o) => a + o.dv, 0) / xs.length;
  return Math.sign(mean(after) - mean(before));
}

export function effectDirection(trial: Trial): DirectionEvidence {
  const signs = trial.subjects.map(subjectSign).filter((x): x is number => x !== undefined && x !== 0);
  const rises = signs.filter((x) => x > 0).length;
  const falls = signs.length - rises;
  const p = signTestP(Math.min(rises, falls), signs.length);
  const direction = p < ALPHA ? (rises > falls ? 'rises' : 'falls') : undefined;
  const counts = `${falls} of ${signs.length} dosed subjects with a baseline sample fall, ${rises} rise (sign test p = ${p.toPrecision(2)})`;
  const summary = signs.length === 0
    ? 'biomarker direction: no dosed subject has biomarker samples both before and after its first dose: candidates of both directions are fitted'
    : direction === undefined
      ? `biomarker direction not clear at level ${ALPHA}: ${counts}: candidates of both directions are fitted`
      : `biomarker ${direction} under drug: ${counts}: the PK/PD candidates whose response ${direction} are fitted`;
  return { direction, rises, falls, p, summary };
}

/** The default PK/PD candidates of a direction (all of both when undefined); a structure of either sign goes with both. */
export function ofDirection(candidates: readonly Structure[], direction: EffectDirection | undefined): Structure[] {
  return candidates.filter((s) => {
    const d = structureDirection(s);
    return d !== undefined && (direction === undefined || d === direction || d === 'either');
  });
}
