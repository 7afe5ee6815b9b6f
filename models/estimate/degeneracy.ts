/**
 * Degenerate fits (issue 18 §2): after every fit, the problems that make its estimate unfit for
 * sweeping, each named in words with the parameter and value. A degenerate fit is not exported unless
 * the user forces it (analysis/fit/). Pure: a FitResult (and its VPC) in, a list of problems out; the
 * caller adds what it measured elsewhere (non-finite predictions of the float32 graph).
 *
 * Thresholds and why:
 * - Rate constants (k10 = CL/V1, k12 = Q/V1, k21 = Q/V2, KA, KOUT) in [1e-5, 1e3] /h: 1e3 /h is a
 *   half-life of 2.5 s and 1e-5 /h one of 8 years; beyond either, sampling over minutes to weeks cannot
 *   tell the rate from instantaneous or from absent, so the value is where the optimiser drifted, not
 *   an estimate. The bound also keeps the float32 graph finite with a wide margin: it overflows only
 *   once a rate's square passes float32's 3.4e38, i.e. a rate above ~1.8e19 /h (tests/unit/
 *   fit-degeneracy-graph.test.ts feeds rates far past 1e3 and the Q ~ 1e21, V2 ~ 0.02).
 * - KE0 of the effect-compartment structures in the same [1e-5, 1e3] /h: beyond 1e3 the effect site
 *   follows the plasma at once (the plasma-driven structure is the model), below 1e-5 it never moves.
 *   Likewise the transit chain's KTR: beyond 1e3 /h the chain passes its drive through at once (the
 *   direct Emax is the model), below 1e-5 /h (a mean delay of 30 years) the response never moves.
 *   SLOPE of the direct linear structures has no degenerate limit: 0 is no effect, an interior value.
 * - Volumes V1, V2 (70 kg) in [0.1, 1e5] L: below 0.1 L is less than 1/30 of the plasma volume, above
 *   1e5 L more than 1 000 times total body water even as an apparent volume.
 * - Q/CL and V2/V1 in [1e-4, 1e4]: distribution 1e4 times faster than elimination (or a peripheral
 *   compartment 1e4 times the central one) equilibrates at once, and 1e4 times slower (or 1e4 times
 *   smaller) is never seen: either way the data follow one compartment and the ratio runs to its limit.
 * - D1 (zero-order absorption) has no range of its own here: its fit bounds are its degenerate limits
 *   (zero-order-fit.ts: 1e-3 h, where the input is a bolus and the IV structure is the model, and just
 *   below the shortest dosing interval, where it is a constant rate), named by the at-bound check.
 * - MTT (transit absorption) likewise: its fit bounds are its limits (1e-3 h, where the chain passes the
 *   dose on at once and first-order absorption is the model, and a week, beyond which nothing is
 *   absorbed within a weekly interval), named by the at-bound check.
 * - VPC: each endpoint's observed percentiles fall inside their simulated 90 % intervals with
 *   probability 0.9 (R - 1) / (R + 1) under a right model, R the simulated trials: the interval's ends
 *   are the 5th and 95th type-7 quantiles of R exchangeable values, order statistics (h = 1 + (R - 1) p)
 *   whose expected coverage of one more such value is h / (R + 1); 0.865 at R = 50, 0.891 at R = 200.
 *   Judged against 0.9 itself a right model was flagged at small R (a one-compartment trial's correct
 *   fit, 82.5 % of 252 PD points at R = 50). So the count inside is ~ Binomial(n, that) (the points are
 *   correlated, so this is a screen, not an exact test). The fit is flagged when even the one-sided 99 %
 *   Clopper-Pearson upper bound on the coverage from k of n points is below 0.9, i.e.
 *   P(X <= k | n, 0.9) < 1 %. That binomial over subjects still flagged right models: one subject in
 *   the tail moves every percentile of its arm at once (a 2-compartment IV trial of the library's own
 *   truth: 71 % of 180 points inside, flagged, the true structure refused). With >= 99 simulated trials
 *   the VPC now carries each simulated trial's own coverage (against the others' intervals), the
 *   coverage's distribution under the fitted model with the design's correlation in it, and the fit is
 *   flagged when the trial's coverage is in its 1 % lower tail (Monte Carlo p < 0.01: below every one
 *   of 100 simulated trials). The binomial screen remains for VPCs of fewer trials (and older records).
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import type { FixedEffectName } from '../structures/parameters.js';
import type { FitResult } from './fit.js';
import { structureById } from '../structures/structure.js';
import type { VpcResult } from './vpc.js';

export type DegeneracyKind = 'at-bound' | 'implausible-rate' | 'implausible-volume' | 'diverging-ratio' | 'information' | 'objective' | 'vpc' | 'non-finite-prediction' | 'posterior' | 'finite-history';

export interface DegeneracyProblem {
  readonly kind: DegeneracyKind;
  /** the parameter (or quantity) concerned */
  readonly parameter: string;
  readonly value: number;
  /** the problem in words, with the parameter and value */
  readonly message: string;
}

export const PLAUSIBLE = {
  ratePerH: [1e-5, 1e3],
  volumeL: [0.1, 1e5],
  ratio: [1e-4, 1e4],
} as const;

export const VPC_NOMINAL = 0.9;
export const VPC_CONFIDENCE = 0.99;

const num = (x: number): string => (Number.isFinite(x) && x !== 0 && (Math.abs(x) >= 1e4 || Math.abs(x) < 1e-3) ? x.toExponential(3) : String(Number(x.toPrecision(4))));
const outside = (x: number, [lo, hi]: readonly [number, number]): boolean => !(x >= lo && x <= hi);

/** The one-sided upper confidence bound on a coverage from k of n points (Clopper-Pearson). */
export function coverageUpperBound(k: number, n: number, confidence = VPC_CONFIDENCE): number {
  return k >= n ? 1 : betaQuantile(confidence, k + 1, n - k);
}

/** Expected coverage of a VPC's 90 % interval from R simulated trials (type-7 quantiles): 0.9 (R - 1) / (R + 1). */
export function vpcNominal(replicates: number): number {
  return (VPC_NOMINAL * (replicates - 1)) / (replicates + 1);
}

/**
 * True when k of n points inside the 90 % intervals of R simulated trials is too few for a right model
 * (99 % one-sided). The points are not independent: every point of a subject shares its random effects
 * (and a percentile bin shares its subjects with the bins of other times), so the binomial is taken
 * over `clusters` units, the subjects, with the observed fraction: n_eff = min(n, clusters), k_eff =
 * k n_eff / n (the design effect of fully correlated points within a subject: conservative, it keeps
 * a right model with few subjects and many samples, e.g. 12 theophylline subjects giving 375 points,
 * from being flagged by chance; a grossly wrong model is still flagged, see the unit test).
 */
export function vpcCoverageTooLow(k: number, n: number, replicates = Infinity, clusters = n): boolean {
  const nEff = Math.min(n, clusters);
  return n > 0 && coverageUpperBound((k * nEff) / n, nEff) < (Number.isFinite(replicates) ? vpcNominal(replicates) : VPC_NOMINAL);
}

/** What a parameter at a bound of its range says about the structure. */
const BOUND_MEANING: Partial<Record<FixedEffectName, string>> = {
  KM: ': KM -> infinity is linear elimination (the linear structure is the model), KM -> 0 zero-order elimination at VMAX',
  VMAX: ': VMAX -> 0 is linear elimination (the linear structure is the model)',
};

function parameterProblems(fixed: Readonly<Record<FixedEffectName, number>>, compartments: 1 | 2 | 3, hasKe0 = false, hasKtr = false, mm = false): DegeneracyProblem[] {
  const out: DegeneracyProblem[] = [];
  const two = compartments >= 2; // Q and V2 are held, unread, in a one-compartment fit
  // the second peripheral (Q3, V3) of a 3-compartment fit: Q3 -> 0 or V3 -> 0 (the data follow two compartments), Q3 -> infinity
  const three = compartments === 3;
  // KE0 -> infinity: the effect site follows the plasma at once (the plasma-driven structure is the model)
  const ke0: [string, number][] = [...(hasKe0 ? [['KE0', fixed.KE0]] as [string, number][] : []), ...(hasKtr ? [['KTR', fixed.KTR]] as [string, number][] : [])];
  // saturable elimination: its clearance at low concentration is CL + VMAX / KM (pure Michaelis-Menten has CL -> 0)
  const elimination: [string, number] = mm ? ['k10 = (CL + VMAX/KM)/V1', (fixed.CL + fixed.VMAX / fixed.KM) / fixed.V1] : ['k10 = CL/V1', fixed.CL / fixed.V1];
  const rates: [string, number][] = [elimination, ...(two ? [['k12 = Q/V1', fixed.Q / fixed.V1], ['k21 = Q/V2', fixed.Q / fixed.V2]] as [string, number][] : []), ...(three ? [['k13 = Q3/V1', fixed.Q3 / fixed.V1], ['k31 = Q3/V3', fixed.Q3 / fixed.V3]] as [string, number][] : []), ['KA', fixed.KA], ['KOUT', fixed.KOUT], ...ke0];
  for (const [name, v] of rates) {
    if (outside(v, PLAUSIBLE.ratePerH)) out.push({ kind: 'implausible-rate', parameter: name, value: v, message: `rate ${name} is ${num(v)} /h, outside the plausible ${num(PLAUSIBLE.ratePerH[0])}..${num(PLAUSIBLE.ratePerH[1])} /h` });
  }
  for (const name of three ? (['V1', 'V2', 'V3'] as const) : two ? (['V1', 'V2'] as const) : (['V1'] as const)) {
    const v = fixed[name];
    if (outside(v, PLAUSIBLE.volumeL)) out.push({ kind: 'implausible-volume', parameter: name, value: v, message: `volume ${name} is ${num(v)} L, outside the plausible ${num(PLAUSIBLE.volumeL[0])}..${num(PLAUSIBLE.volumeL[1])} L` });
  }
  const ratios: [string, number][] = [...(two ? [['Q/CL', fixed.Q / fixed.CL], ['V2/V1', fixed.V2 / fixed.V1]] as [string, number][] : []), ...(three ? [['Q3/CL', fixed.Q3 / fixed.CL], ['V3/V1', fixed.V3 / fixed.V1]] as [string, number][] : [])];
  for (const [name, v] of ratios) {
    if (outside(v, PLAUSIBLE.ratio)) out.push({ kind: 'diverging-ratio', parameter: name, value: v, message: `ratio ${name} is ${num(v)}, beyond ${num(PLAUSIBLE.ratio[0])}..${num(PLAUSIBLE.ratio[1])}: the data follow fewer compartments than the model has` });
  }
  return out;
}

/**
 * The Monte Carlo p-value of an observed VPC coverage against the coverages of the VPC's own simulated
 * trials (VpcResult.nullCoverage, each against the others' intervals): (1 + #{c_r <= c}) / (R + 1),
 * the exact level of "the trial covers less than a trial of the fitted model does" whatever the
 * correlation between the points (Davison & Hinkley 1997, ch. 4).
 */
export function vpcMonteCarloP(observed: number, nulls: readonly number[]): number {
  return (1 + nulls.filter((c) => c <= observed).length) / (nulls.length + 1);
}

/** Simulated trials needed before the Monte Carlo test replaces the binomial screen (p can reach 1 %). */
const MONTE_CARLO_MIN = 99;

function vpcProblems(vpc: VpcResult): DegeneracyProblem[] {
  const out: DegeneracyProblem[] = [];
  for (const [dvid, endpoint] of [[1, 'pk'], [2, 'pd']] as const) {
    const points = vpc.bins.filter((b) => b.dvid === dvid).flatMap((b) => b.observed.map((o, i) => [o, b.simulated[i] ?? [NaN, NaN, NaN]] as const));
    const k = points.filter(([o, [lo, , hi]]) => o >= lo && o <= hi).length;
    const n = points.length;
    const nulls = vpc.nullCoverage?.[endpoint] ?? [];
    if (n > 0 && nulls.length >= MONTE_CARLO_MIN) {
      const p = vpcMonteCarloP(k / n, nulls);
      if (p < 1 - VPC_CONFIDENCE) {
        const sorted = [...nulls].sort((a, b) => a - b);
        out.push({
          kind: 'vpc', parameter: `VPC coverage ${endpoint.toUpperCase()}`, value: k / n,
          message: `VPC ${endpoint.toUpperCase()}: ${k} of ${n} observed percentiles (${num(100 * k / n)} %) inside their simulated 90 % intervals; fewer than a trial of the fitted model gives (its ${nulls.length} simulated trials, each against the others' intervals: lowest ${num(100 * (sorted[0] ?? NaN))} %, median ${num(100 * (sorted[sorted.length >> 1] ?? NaN))} %; Monte Carlo p = ${num(p)} < ${num(1 - VPC_CONFIDENCE)})`,
        });
      }
      continue;
    }
    const clusters = vpc.subjects?.[endpoint] ?? n;
    if (vpcCoverageTooLow(k, n, vpc.replicates, clusters)) {
      const nEff = Math.min(n, clusters);
      out.push({
        kind: 'vpc', parameter: `VPC coverage ${endpoint.toUpperCase()}`, value: k / n,
        message: `VPC ${endpoint.toUpperCase()}: ${k} of ${n} observed percentiles (${num(100 * k / n)} %) inside their simulated 90 % intervals; below what a right model gives (99 % upper bound over ${nEff} subjects ${num(100 * coverageUpperBound((k * nEff) / n, nEff))} % < ${num(100 * vpcNominal(vpc.replicates))} %, the expected coverage of intervals from ${vpc.replicates} simulated trials)`,
      });
    }
  }
  return out;
}

/** Every degeneracy of the fit (empty: fit for sweeping). */
export function fitDegeneracies(fit: FitResult, vpc: VpcResult): DegeneracyProblem[] {
  const out: DegeneracyProblem[] = [];
  for (const name of fit.convergence.atBound) {
    const v = fit.population.fixed[name];
    out.push({ kind: 'at-bound', parameter: name, value: v, message: `fixed effect ${name} at a bound of its range (${num(v)})${BOUND_MEANING[name] ?? ''}` });
  }
  const structure = fit.structure === undefined ? undefined : structureById(fit.structure);
  out.push(...parameterProblems(fit.population.fixed, structure?.compartments ?? 2, structure?.directEffect?.effectCompartment === true, structure?.transit !== undefined, structure !== undefined && structure.absent.VMAX === undefined));
  if (!fit.convergence.informationPositiveDefinite) {
    const v = fit.convergence.informationMinEigenvalue;
    out.push({ kind: 'information', parameter: 'Fisher information', value: v, message: `Fisher information not positive definite (min eigenvalue ${num(v)}): some parameters are not identified` });
  }
  if (!fit.convergence.objectiveFinite || !Number.isFinite(fit.objective.minus2LL)) {
    out.push({ kind: 'objective', parameter: '-2LL', value: fit.objective.minus2LL, message: `objective -2LL is ${fit.objective.minus2LL}, not finite` });
  }
  out.push(...vpcProblems(vpc));
  return out;
}

/** The problem a count of non-finite model predictions makes (undefined: none). */
export function nonFinitePredictions(where: string, count: number, total: number): DegeneracyProblem | undefined {
  return count === 0 ? undefined : { kind: 'non-finite-prediction', parameter: where, value: count, message: `${where}: ${count} of ${total} predicted values not finite (NaN/Inf)` };
}

/** One line naming every problem, for error messages. */
export function degeneracySummary(problems: readonly DegeneracyProblem[]): string {
  return problems.map((p) => p.message).join('; ');
}
