/**
 * Divided differences of h(lambda) = exp(-lambda * t) over two or three rate constants, computed without
 * the catastrophic cancellation of the textbook formulas when rates (nearly) coincide. The
 * 2-compartment PK responses are exactly such divided differences (a bolus into the depot gives
 * ka * F[alpha, beta, ka] with F(lambda) = (k21 - lambda) exp(-lambda t)), and ka lands arbitrarily
 * close to alpha or beta for some subjects, so a formula with (ka - alpha) in a denominator is not safe.
 *
 * Everything is written in the scaled variable s = -(lambda - x0) t (Opitz / phi-function form):
 *   h[x0, x1]     = -t exp(-x0 t) phi1(s1)
 *   h[x0, x1, x2] =  t^2 exp(-x0 t) E2(s1, s2),   E2 = exp[0, s1, s2]
 * with phi1(z) = expm1(z) / z and E2 from a power series when the nodes are close on the scale 1/t,
 * and from a well-conditioned difference otherwise.
 */

/** (e^z - 1) / z, exact to rounding for every z (1 at z = 0). */
export function phi1(z: number): number {
  return z === 0 ? 1 : Math.expm1(z) / z;
}

/** exp[0, s1, s2] (second divided difference of exp at 0, s1, s2), for s2 <= s1 <= 0. */
export function expDivided2(s1: number, s2: number): number {
  if (s2 > -1) {
    // sum_{n>=0} h_n(s1, s2) / (n + 2)!, h_n the complete homogeneous polynomial; |s| < 1 so 22 terms
    // leave < 1e-19.
    let hn = 1;
    let s1n = 1;
    let fact = 2;
    let sum = 0.5;
    for (let n = 1; n < 22; n += 1) {
      s1n *= s1;
      hn = s2 * hn + s1n;
      fact *= n + 2;
      sum += hn / fact;
    }
    return sum;
  }
  // (exp[s1, s2] - exp[0, s1]) / s2: both terms and the result are of the same order (|s2| >= 1).
  return (Math.exp(s1) * phi1(s2 - s1) - phi1(s1)) / s2;
}

/** Three rate constants sorted ascending, for the three-node differences below. */
export type SortedRates = readonly [number, number, number];

export function sortRates(a: number, b: number, c: number): SortedRates {
  const s = [a, b, c].sort((x, y) => x - y);
  return [s[0] ?? a, s[1] ?? b, s[2] ?? c];
}

/** h[x0, x1] at time t for x0 <= x1 (equal allowed): (e^{-x1 t} - e^{-x0 t}) / (x1 - x0). */
export function expDivided1At(x0: number, x1: number, tH: number): number {
  return -tH * Math.exp(-x0 * tH) * phi1(-(x1 - x0) * tH);
}

/** h[x0, x1, x2] at time t for sorted nodes (any of them may coincide). */
export function expDivided2At(x: SortedRates, tH: number): number {
  const [x0, x1, x2] = x;
  return tH * tH * Math.exp(-x0 * tH) * expDivided2(-(x1 - x0) * tH, -(x2 - x0) * tH);
}

/**
 * F[x0, x1, x2] for F(lambda) = (c - lambda) e^{-lambda t} (Leibniz rule: the linear factor has
 * first difference -1 and no higher ones).
 */
export function linearExpDivided2At(c: number, x: SortedRates, tH: number): number {
  return (c - x[0]) * expDivided2At(x, tH) - expDivided1At(x[1], x[2], tH);
}

/** Four rate constants sorted ascending. */
export type SortedRates4 = readonly [number, number, number, number];

/**
 * exp[0, s1, s2, s3] (third divided difference of exp), for s3 <= s2 <= s1 <= 0: the power series
 * sum_n h_n(s1, s2, s3) / (n + 3)! when |s3| < 1 (24 terms leave < 1e-20), else the recursion
 * (exp[s1, s2, s3] - exp[0, s1, s2]) / s3, whose terms are of the result's order (|s3| >= 1).
 */
export function expDivided3(s1: number, s2: number, s3: number): number {
  if (s3 > -1) {
    let h2 = 1; // h_n(s1, s2)
    let h3 = 1; // h_n(s1, s2, s3)
    let s1n = 1;
    let fact = 6;
    let sum = 1 / 6;
    for (let n = 1; n < 24; n += 1) {
      s1n *= s1;
      h2 = s2 * h2 + s1n;
      h3 = s3 * h3 + h2;
      fact *= n + 3;
      sum += h3 / fact;
    }
    return sum;
  }
  return (Math.exp(s1) * expDivided2(s2 - s1, s3 - s1) - expDivided2(s1, s2)) / s3;
}

/** h[x0, x1, x2, x3] at time t for sorted nodes (any may coincide): -t^3 e^{-x0 t} exp[0, s1, s2, s3]. */
export function expDivided3At(x: SortedRates4, tH: number): number {
  const [x0, x1, x2, x3] = x;
  return -(tH ** 3) * Math.exp(-x0 * tH) * expDivided3(-(x1 - x0) * tH, -(x2 - x0) * tH, -(x3 - x0) * tH);
}

/** F[x0, x1, x2, x3] for F(lambda) = (c - lambda) e^{-lambda t} (Leibniz rule, as linearExpDivided2At). */
export function linearExpDivided3At(c: number, x: SortedRates4, tH: number): number {
  return (c - x[0]) * expDivided3At(x, tH) - expDivided2At([x[1], x[2], x[3]], tH);
}

/**
 * F[x0, x1, x2] and F[x0, x1, x2, x3] for F(lambda) = p(lambda) e^{-lambda t}, p(lambda) = lambda^2 - s lambda + q
 * a quadratic (the 3-compartment responses, pk3.ts). Leibniz rule: p has p[x0] = p(x0), p[x0, x1] =
 * x0 + x1 - s, p[x0, x1, x2] = 1 and no higher differences. `p0` is p(x0), which the caller evaluates in
 * the form that does not cancel (e.g. (u - x0)(v - x0) when p factors).
 */
export function quadraticExpDivided2At(p0: number, s: number, x: SortedRates, tH: number): number {
  return p0 * expDivided2At(x, tH) + (x[0] + x[1] - s) * expDivided1At(x[1], x[2], tH) + Math.exp(-x[2] * tH);
}

export function quadraticExpDivided3At(p0: number, s: number, x: SortedRates4, tH: number): number {
  return p0 * expDivided3At(x, tH) + (x[0] + x[1] - s) * expDivided2At([x[1], x[2], x[3]], tH) + expDivided1At(x[2], x[3], tH);
}

/** Four rate constants sorted ascending. */
export function sortRates4(a: number, b: number, c: number, d: number): SortedRates4 {
  const s = [a, b, c, d].sort((x, y) => x - y);
  return [s[0] ?? a, s[1] ?? b, s[2] ?? c, s[3] ?? d];
}
