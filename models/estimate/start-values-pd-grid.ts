/**
 * What the grid-search starts of the PD rate constants share (start-values-ke0.ts: KE0 of the effect
 * compartment; start-values-kout.ts: KOUT of the indirect responses): the trial's own PD time scale and the
 * rate grid over it, the potency and Hill-coefficient grids, and the closed-form least squares of the
 * parameters a response is linear in (R0 and R0 times the maximal effect).
 *
 * The rate grid: ln 2 over half-lives from the shortest time between a dose and a later quantified PD
 * sample (a rate faster than every sampled delay looks like a plasma-driven effect) to the longest time
 * from the first dose to a PD sample (a slower one moves nothing the samples see), log-spaced a factor 2
 * apart (wider where that would take more than RATE_STARTS_MAX points).
 */
import { quantile } from 'd3-array';
import { recordedDoses, type Trial } from '../ingest/trial.js';

/** At most this many rate grid points. */
export const RATE_STARTS_MAX = 12;
/** GAMMA's grid: a factor 2 apart around 1, inside its bounds 0.05..20 (popmodel-problem.ts). */
export const GAMMA_GRID = [0.125, 0.25, 0.5, 1, 2, 4, 8];
/** Potency grid points over the 5-95 % range of the concentration that drives the effect. */
export const IC50_POINTS = 9;
/** The least maximal effect a start takes (a grid point without an effect still starts with one). */
export const MIN_MAX_EFFECT = 0.01;

/** The time scale of the trial's PD sampling: shortest dose-to-sample delay and longest span after the first dose (h); null without PD after a dose. */
export function pdTimeScale(trial: Trial): { shortestH: number; longestH: number } | null {
  let shortestH = Infinity;
  let longestH = 0;
  for (const s of trial.subjects) {
    const first = recordedDoses(s)[0];
    if (first === undefined) continue;
    for (const o of s.pd) {
      if (o.blq === true || o.timeH <= first.timeH) continue;
      longestH = Math.max(longestH, o.timeH - first.timeH);
      // the last dose at or before the sample
      let last = first.timeH;
      for (const d of s.doses) if (d.timeH < o.timeH) last = Math.max(last, d.timeH);
      shortestH = Math.min(shortestH, o.timeH - last);
    }
  }
  return Number.isFinite(shortestH) && longestH > 0 ? { shortestH, longestH } : null;
}

/** Rate grid (1/h): ln 2 over half-lives log-spaced from the shortest delay to the longest span; empty without PD after a dose. */
export function pdRateStarts(trial: Trial): number[] {
  const scale = pdTimeScale(trial);
  if (scale === null) return [];
  const { shortestH, longestH } = scale;
  if (!(longestH > shortestH)) return [Math.LN2 / shortestH];
  const n = Math.min(RATE_STARTS_MAX, Math.ceil(Math.log2(longestH / shortestH)) + 1);
  return Array.from({ length: n }, (_, i) => Math.LN2 / (shortestH * (longestH / shortestH) ** (i / (n - 1))));
}

/** The potency grid: IC50_POINTS log-spaced over the 5-95 % range of the positive values; empty when there are none. */
export function potencyGrid(concentrations: readonly number[]): number[] {
  const positive = concentrations.filter((c) => c > 0);
  const [lo, hi] = [quantile(positive, 0.05) ?? NaN, quantile(positive, 0.95) ?? NaN];
  if (!(lo > 0) || !(hi >= lo)) return [];
  return Array.from({ length: IC50_POINTS }, (_, q) => lo * (hi / lo) ** (q / (IC50_POINTS - 1)));
}

/** Least squares of y = R0 x1 + R0 m x2 over (R0, m), m within [MIN_MAX_EFFECT, cap]; null when R0 would not be positive. */
export function linearFit(y: readonly number[], x1: readonly number[], x2: readonly number[], cap: number): { r0: number; max: number; sse: number } | null {
  let [s11, s12, s22, s1y, s2y] = [0, 0, 0, 0, 0];
  y.forEach((v, j) => {
    const [a, c] = [x1[j] ?? NaN, x2[j] ?? NaN];
    s11 += a * a; s12 += a * c; s22 += c * c; s1y += a * v; s2y += c * v;
  });
  const det = s11 * s22 - s12 * s12;
  let r0 = det > 0 ? (s22 * s1y - s12 * s2y) / det : NaN;
  let max = det > 0 && r0 !== 0 ? (s11 * s2y - s12 * s1y) / det / r0 : NaN;
  if (!(max >= MIN_MAX_EFFECT && max <= cap) || !(r0 > 0)) {
    // the maximal effect at its nearer limit, R0 by least squares along z = x1 + m x2
    max = Math.min(Math.max(Number.isFinite(max) ? max : MIN_MAX_EFFECT, MIN_MAX_EFFECT), cap);
    const z = x1.map((a, j) => a + max * (x2[j] ?? NaN));
    r0 = scaleFit(y, z);
  }
  if (!(r0 > 0)) return null;
  const sse = y.reduce((acc, v, j) => acc + (v - r0 * ((x1[j] ?? NaN) + max * (x2[j] ?? NaN))) ** 2, 0);
  return Number.isFinite(sse) ? { r0, max, sse } : null;
}

/** Least squares of y = r0 z over r0 alone. */
export function scaleFit(y: readonly number[], z: readonly number[]): number {
  return y.reduce((acc, v, j) => acc + v * (z[j] ?? NaN), 0) / z.reduce((acc, v) => acc + v * v, 0);
}
