/**
 * Transit-compartment absorption (Savic et al. 2007) in double precision, for any dosing history: an oral
 * dose enters the first of N = 3 transit compartments, each passing on at ktr = (N + 1) / MTT, the last
 * feeding the absorption depot (KA) that empties into the central compartment; disposition by 1 or 2
 * compartments as pk.ts. The mean time from the dose to the central compartment is MTT + 1 / KA.
 *
 * The chain's rate ktr appears N times (and may meet KA or a disposition rate), which makes the plain
 * divided differences of pk.ts singular. Instead the whole linear system x' = A x (transit 1..N, depot,
 * central, peripheral) is propagated by its exact matrix exponential, computed without cancellation:
 * A is a compartmental (Metzler) matrix, so with c its largest outflow rate, A + c I is entrywise
 * non-negative and exp(A u) = e^{-c u} exp((A + c I) u): the Taylor series of a non-negative matrix has
 * no cancellation, and after scaling u by 2^-s (c u 2^-s <= 1/2) the squarings multiply non-negative
 * matrices (no cancellation either). Every entry is therefore accurate to a few hundred ulps whatever
 * the rates: equal, nearly equal or far apart. MTT -> 0 is first-order absorption (ktr -> infinity).
 */
import type { IndividualParameters } from './parameters.js';
import type { Dose } from './pk.js';

/** Transit compartments before the depot (fixed per structure; see transit-absorption-structures.ts). */
export const TRANSIT_ABSORPTION_N = 3;

/** ktr (1/h) of a mean transit time (h): (N + 1) / MTT, Savic's definition (MTT counts the depot's entry). */
export const transitRate = (mttH: number): number => (TRANSIT_ABSORPTION_N + 1) / mttH;

/**
 * out = a b (row-major m x m) for matrices whose row i is zero beyond column last[i] (a lower block
 * triangular pattern that products and exponentials keep): only those entries are summed.
 */
function multiplyInto(out: Float64Array, a: Float64Array, b: Float64Array, m: number, last: readonly number[]): void {
  for (let i = 0; i < m; i += 1) {
    const li = last[i] ?? m - 1;
    for (let j = 0; j <= li; j += 1) {
      let sum = 0;
      for (let k = 0; k <= li; k += 1) if (j <= (last[k] ?? m - 1)) sum += (a[i * m + k] ?? 0) * (b[k * m + j] ?? 0);
      out[i * m + j] = sum;
    }
    for (let j = li + 1; j < m; j += 1) out[i * m + j] = 0;
  }
}

/** Taylor terms of exp(X), ||X|| <= 1 (non-negative X): 18 terms leave < 1 / 19! ~ 8e-18. */
const TAYLOR_TERMS = 18;

/** For each row, its last column that may be non-zero (A's own pattern; a full matrix when not given). */
function rowExtents(a: Float64Array, m: number): number[] {
  const last = Array.from({ length: m }, (_, i) => { let l = i; for (let j = i + 1; j < m; j += 1) if ((a[i * m + j] ?? 0) !== 0) l = j; return l; });
  // rows reach as far as any row they feed from below (a block pattern closes under products)
  for (let i = m - 1; i >= 0; i -= 1) for (let k = i; k <= (last[i] ?? i); k += 1) last[i] = Math.max(last[i] ?? i, last[k] ?? k);
  return last;
}

/**
 * exp(A u) of a compartmental matrix A (row-major m x m, non-negative off-diagonal, diagonal the
 * negative outflow rates), u >= 0, without cancellation (see the file comment).
 */
export function compartmentalExp(a: Float64Array, m: number, uH: number): Float64Array {
  const last = rowExtents(a, m);
  let c = 0;
  for (let i = 0; i < m; i += 1) c = Math.max(c, -(a[i * m + i] ?? 0));
  // ||(A + c I) u'|| <= 2 c u' (column sums of outflows): scale so that c u' <= 1/2
  const s = c * uH > 0.5 ? Math.ceil(Math.log2((c * uH) / 0.5)) : 0;
  const step = uH / 2 ** s;
  const x = new Float64Array(m * m);
  for (let i = 0; i < m * m; i += 1) x[i] = (a[i] ?? 0) * step;
  for (let i = 0; i < m; i += 1) x[i * m + i] = (x[i * m + i] ?? 0) + c * step;
  // Horner: I + X (I + X/2 (I + X/3 (...)))
  let e = new Float64Array(m * m);
  let work = new Float64Array(m * m);
  for (let i = 0; i < m; i += 1) e[i * m + i] = 1;
  for (let k = TAYLOR_TERMS; k >= 1; k -= 1) {
    multiplyInto(work, x, e, m, last);
    for (let i = 0; i < m * m; i += 1) work[i] = (work[i] ?? 0) / k;
    for (let i = 0; i < m; i += 1) work[i * m + i] = (work[i * m + i] ?? 0) + 1;
    [e, work] = [work, e];
  }
  const decay = Math.exp(-c * step);
  for (let i = 0; i < m * m; i += 1) e[i] = (e[i] ?? 0) * decay;
  for (let k = 0; k < s; k += 1) {
    multiplyInto(work, e, e, m, last);
    [e, work] = [work, e];
  }
  return e;
}

/** Compartments of the system: transit 1..N, depot, central, peripheral. */
const DEPOT = TRANSIT_ABSORPTION_N;
const CENTRAL = TRANSIT_ABSORPTION_N + 1;
const PERIPHERAL = TRANSIT_ABSORPTION_N + 2;
const M = TRANSIT_ABSORPTION_N + 3;

/** The system's matrix A (x' = A x) of an individual with MTT. */
export function transitAbsorptionMatrix(p: IndividualParameters): Float64Array {
  const ktr = transitRate(p.MTT ?? NaN);
  const k10 = p.CL / p.V1, k12 = p.Q / p.V1, k21 = p.Q > 0 ? p.Q / p.V2 : 0;
  const a = new Float64Array(M * M);
  const flow = (from: number, to: number, rate: number): void => {
    a[from * M + from] = (a[from * M + from] ?? 0) - rate;
    if (to >= 0) a[to * M + from] = (a[to * M + from] ?? 0) + rate;
  };
  for (let i = 0; i < TRANSIT_ABSORPTION_N; i += 1) flow(i, i + 1, ktr);
  flow(DEPOT, CENTRAL, p.KA);
  flow(CENTRAL, -1, k10);
  flow(CENTRAL, PERIPHERAL, k12);
  flow(PERIPHERAL, CENTRAL, k21);
  return a;
}

function propagate(e: Float64Array, x: Float64Array): Float64Array {
  const out = new Float64Array(M);
  for (let i = 0; i < M; i += 1) {
    let sum = 0;
    for (let j = 0; j < M; j += 1) sum += (e[i * M + j] ?? 0) * (x[j] ?? 0);
    out[i] = sum;
  }
  return out;
}

/**
 * Central-compartment concentration (mg/L) at each time; doses at or before t contribute. Oral doses
 * enter the first transit compartment, IV boluses the central one; an infusion is refused (the fit
 * refuses an IV trial for an oral structure before: analysis/fit/fit-trial.ts).
 */
export function transitAbsorptionConcentrations(p: IndividualParameters, doses: readonly Dose[], timesH: readonly number[]): Float64Array {
  if (doses.some((d) => (d.durationH ?? 0) > 0)) throw new RangeError('transit absorption: an infusion cannot enter the transit chain (oral doses only)');
  const a = transitAbsorptionMatrix(p);
  const propagators = new Map<number, Float64Array>();
  const step = (x: Float64Array, uH: number): Float64Array => {
    if (uH <= 0) return x;
    let e = propagators.get(uH);
    if (e === undefined) { e = compartmentalExp(a, M, uH); propagators.set(uH, e); }
    return propagate(e, x);
  };
  const sortedDoses = [...doses].sort((x, y) => x.timeH - y.timeH);
  const order = [...timesH.keys()].sort((i, j) => (timesH[i] ?? 0) - (timesH[j] ?? 0));
  const out = new Float64Array(timesH.length);
  let x: Float64Array = new Float64Array(M);
  let now = sortedDoses[0]?.timeH ?? 0;
  let next = 0;
  for (const i of order) {
    const t = timesH[i] ?? NaN;
    // doses at or before t: step to each, then add it
    while (next < sortedDoses.length && (sortedDoses[next]?.timeH ?? Infinity) <= t) {
      const d = sortedDoses[next]!;
      x = step(x, d.timeH - now);
      now = Math.max(now, d.timeH);
      x[d.route === 'central' ? CENTRAL : 0] = (x[d.route === 'central' ? CENTRAL : 0] ?? 0) + d.amountMg;
      next += 1;
    }
    if (t < now) { out[i] = 0; continue; }
    x = step(x, t - now);
    now = t;
    out[i] = (x[CENTRAL] ?? 0) / p.V1;
  }
  return out;
}
