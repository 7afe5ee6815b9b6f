/**
 * Dormand-Prince 5(4): an explicit Runge-Kutta pair with local extrapolation (the 5th-order solution is
 * propagated, the embedded 4th-order one estimates the error), FSAL, step control by the usual
 * elementary controller. For the small, smooth ODEs of the structures without a closed form
 * (michaelis-menten.ts): `integrate` steps from t0 to t1 exactly (the last step is clipped to t1), so
 * callers stop at every dose and sample time and need no dense output.
 */

export type Rhs = (t: number, y: Float64Array, dy: Float64Array) => void;

export interface Tolerances {
  /** relative tolerance per component */
  readonly relTol: number;
  /** absolute tolerance per component */
  readonly absTol: number;
}

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
// 5th-order weights (= A[6]) minus the embedded 4th-order ones
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];

/**
 * y(t1) from y(t0) = y0 (y0 is not modified). `hInit` is a first step guess (default: the whole span /
 * 16). Throws when the step underflows (a non-finite or stiff right-hand side).
 */
export function integrate(f: Rhs, t0: number, y0: ArrayLike<number>, t1: number, tol: Tolerances, hInit?: number): Float64Array<ArrayBuffer> {
  const n = y0.length;
  let y = Float64Array.from(y0);
  if (!(t1 > t0)) return y;
  const k = Array.from({ length: 7 }, () => new Float64Array(n));
  const stage = new Float64Array(n);
  const next = new Float64Array(n);
  let t = t0;
  let h = Math.min(hInit ?? (t1 - t0) / 16, t1 - t0);
  f(t, y, k[0]!);
  for (let steps = 0; t < t1; steps += 1) {
    if (steps > 1e6) throw new RangeError(`Dormand-Prince: more than 1e6 steps from t = ${t0} to ${t1}`);
    const last = t + h >= t1;
    if (last) h = t1 - t;
    for (let s = 1; s < 7; s += 1) {
      const a = A[s]!;
      for (let i = 0; i < n; i += 1) {
        let acc = y[i]!;
        for (let j = 0; j < s; j += 1) acc += h * a[j]! * k[j]![i]!;
        stage[i] = acc;
      }
      f(t + C[s]! * h, stage, k[s]!);
    }
    // stage 7 is evaluated at the 5th-order solution itself (FSAL)
    next.set(stage);
    let err = 0;
    for (let i = 0; i < n; i += 1) {
      let e = 0;
      for (let j = 0; j < 7; j += 1) e += E[j]! * k[j]![i]!;
      const scale = tol.absTol + tol.relTol * Math.max(Math.abs(y[i]!), Math.abs(next[i]!));
      err = Math.max(err, Math.abs(h * e) / scale);
    }
    if (!Number.isFinite(err)) {
      h /= 10;
      if (!(h > 1e-14 * Math.max(1, Math.abs(t)))) throw new RangeError(`Dormand-Prince: non-finite derivative at t = ${t}`);
      continue;
    }
    if (err <= 1) {
      t = last ? t1 : t + h;
      y = Float64Array.from(next);
      k[0]!.set(k[6]!);
    }
    // elementary controller: h err^{-1/5}, safety 0.9, growth within [0.2, 5]
    const factor = err === 0 ? 5 : Math.min(5, Math.max(0.2, 0.9 * err ** -0.2));
    if (!last || err > 1) h *= factor;
    if (!(h > 1e-14 * Math.max(1, Math.abs(t)))) throw new RangeError(`Dormand-Prince: step underflow at t = ${t}`);
  }
  return y;
}
