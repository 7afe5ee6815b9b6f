/**
 * Exact attainment for the known-answer test model (known-answer.ts). pd peaks where s(t) = smin,
 * which is on the grid, so max_t pd = base * (1 - emax * h * smin) and, eta being standard normal,
 *
 *   P(max <= thr | bw, comed) = Phi((ln(thr / (1 - emax * h(bw) * smin)) - mu - betaComed * comed) / omega).
 *
 * The population average integrates that over BW (composite Gauss–Legendre: the integrand is
 * analytic in bw, so 16 panels of 20 points are accurate far beyond 1e-10) and sums over COMED.
 * These numbers are what engine results on the known-answer model are checked against.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import type { KnownAnswerParams, KnownAnswerRegimen } from './known-answer.js';
import { tauDays } from './known-answer.js';

export type BodyWeightDist = { kind: 'uniform'; minKg: number; maxKg: number } | { kind: 'fixed'; valueKg: number };
export type ComedDist = { kind: 'bernoulli'; p: number } | { kind: 'fixed'; value: 0 | 1 };
export interface KnownAnswerPopulation {
  bw: BodyWeightDist;
  comed: ComedDist;
}

/** Window maximum of pd for one subject, in double precision. */
export function maxPdNgMl(params: KnownAnswerParams, regimen: KnownAnswerRegimen, doseMg: number, bwKg: number, comed: number, eta: number): number {
  const base = Math.exp(params.mu + params.betaComed * comed + params.omega * eta);
  return base * (1 - params.emax * occupancy(params, regimen, doseMg, bwKg) * regimen.smin);
}

function occupancy(params: KnownAnswerParams, regimen: KnownAnswerRegimen, doseMg: number, bwKg: number): number {
  const x = doseMg / (bwKg * tauDays(regimen));
  return x / (x + params.ec50MgPerKgDay);
}

/** P(max_t pd <= thr) for fixed bw and comed, over eta ~ N(0, 1). */
export function conditionalAttainment(
  params: KnownAnswerParams,
  regimen: KnownAnswerRegimen,
  doseMg: number,
  bwKg: number,
  comed: number,
  thresholdNgMl: number,
): number {
  const remaining = 1 - params.emax * occupancy(params, regimen, doseMg, bwKg) * regimen.smin;
  if (remaining <= 0) return 1;
  const z = (Math.log(thresholdNgMl / remaining) - params.mu - params.betaComed * comed) / params.omega;
  return normalCdf(z, 0, 1);
}

export function exactAttainment(
  params: KnownAnswerParams,
  regimen: KnownAnswerRegimen,
  doseMg: number,
  population: KnownAnswerPopulation,
  thresholdNgMl: number,
): number {
  const overBw = (comed: number): number => {
    const f = (bwKg: number) => conditionalAttainment(params, regimen, doseMg, bwKg, comed, thresholdNgMl);
    const bw = population.bw;
    if (bw.kind === 'fixed') return f(bw.valueKg);
    return integrateGaussLegendre(f, bw.minKg, bw.maxKg) / (bw.maxKg - bw.minKg);
  };
  const c = population.comed;
  if (c.kind === 'fixed') return overBw(c.value);
  return (1 - c.p) * overBw(0) + c.p * overBw(1);
}

/** Smallest grid dose whose p >= target, or null if none reaches it. */
export function exactMinimalDose(dosesMg: readonly number[], pOfDose: readonly number[], target: number): number | null {
  if (dosesMg.length !== pOfDose.length) {
    throw new RangeError(`exactMinimalDose: ${dosesMg.length} doses but ${pOfDose.length} probabilities`);
  }
  let best: number | null = null;
  dosesMg.forEach((d, i) => {
    if ((pOfDose[i] ?? -Infinity) >= target && (best === null || d < best)) best = d;
  });
  return best;
}

/** Composite Gauss–Legendre quadrature of f over [a, b]: `panels` equal panels, `order` points each. */
export function integrateGaussLegendre(f: (x: number) => number, a: number, b: number, panels = 16, order = 20): number {
  const { nodes, weights } = gaussLegendreRule(order);
  const width = (b - a) / panels;
  let total = 0;
  for (let p = 0; p < panels; p++) {
    const mid = a + (p + 0.5) * width;
    let panel = 0;
    for (let i = 0; i < nodes.length; i++) panel += (weights[i] ?? 0) * f(mid + 0.5 * width * (nodes[i] ?? 0));
    total += 0.5 * width * panel;
  }
  return total;
}

const rules = new Map<number, { nodes: number[]; weights: number[] }>();

/** Nodes and weights on [-1, 1]: Newton on P_n from Chebyshev starting points (Golub–Welsch not needed at n = 20). */
export function gaussLegendreRule(n: number): { nodes: number[]; weights: number[] } {
  const cached = rules.get(n);
  if (cached) return cached;
  const nodes: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // Three-term recurrence for P_n(x) and P_{n-1}(x), then the derivative from both.
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const step = p1 / dp;
      x -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    nodes.push(x);
    weights.push(2 / ((1 - x * x) * dp * dp));
  }
  const rule = { nodes, weights };
  rules.set(n, rule);
  return rule;
}
