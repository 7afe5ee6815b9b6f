/**
 * Warm-up adaptation as Stan does it: the step size by dual averaging (Hoffman & Gelman 2014, §3.2:
 * target mean acceptance delta = 0.8, gamma 0.05, t0 10, kappa 0.75, shrinking towards log(10 eps0)),
 * the diagonal metric from the draws' variances in doubling windows (an initial buffer of 75
 * iterations, windows from 25 doubling, a terminal buffer of 50; scaled to 15 % / 75 % / 10 % of a
 * warm-up shorter than 150), regularised towards 1e-3 as Stan's (n / (n + 5)) var + 1e-3 (5 / (n + 5)).
 * After each window the step size is searched again and its dual averaging restarted.
 */

export const TARGET_ACCEPT = 0.8;

export class DualAveraging {
  private mu = 0;
  private t = 0;
  private hBar = 0;
  private logEpsBar = 0;

  constructor(eps: number, private readonly delta = TARGET_ACCEPT) { this.restart(eps); }

  restart(eps: number): void {
    this.mu = Math.log(10 * eps);
    this.t = 0;
    this.hBar = 0;
    this.logEpsBar = 0;
  }

  /** The step size for the next iteration, after one with mean acceptance `accept`. */
  update(accept: number): number {
    this.t += 1;
    const eta = 1 / (this.t + 10);
    this.hBar = (1 - eta) * this.hBar + eta * (this.delta - accept);
    const logEps = this.mu - (Math.sqrt(this.t) / 0.05) * this.hBar;
    const w = this.t ** -0.75;
    this.logEpsBar = w * logEps + (1 - w) * this.logEpsBar;
    return Math.exp(logEps);
  }

  /** The averaged step size used after warm-up. */
  final(): number {
    return Math.exp(this.logEpsBar);
  }
}

/** Ends (exclusive iteration index) of the metric windows of a warm-up of `warmup` iterations. */
export function metricWindows(warmup: number): { start: number; ends: number[] } {
  if (warmup < 20) return { start: warmup, ends: [] };
  let init = 75;
  let term = 50;
  let base = 25;
  if (init + term + base > warmup) {
    init = Math.floor(0.15 * warmup);
    term = Math.floor(0.1 * warmup);
    base = warmup - init - term;
  }
  const ends: number[] = [];
  let at = init;
  let size = base;
  const last = warmup - term;
  while (at < last) {
    // a window whose (doubled) successor would not fit takes the rest
    const end = at + size + 2 * size > last ? last : at + size;
    ends.push(end);
    at = end;
    size *= 2;
  }
  return { start: init, ends };
}

/** Running variance of the draws in a window (Welford). */
export class WindowVariance {
  private n = 0;
  private mean: Float64Array;
  private m2: Float64Array;

  constructor(private readonly dim: number) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
  }

  add(q: Float64Array): void {
    this.n += 1;
    for (let i = 0; i < this.dim; i += 1) {
      const d = (q[i] ?? 0) - (this.mean[i] ?? 0);
      this.mean[i] = (this.mean[i] ?? 0) + d / this.n;
      this.m2[i] = (this.m2[i] ?? 0) + d * ((q[i] ?? 0) - (this.mean[i] ?? 0));
    }
  }

  /** Stan's regularised variance estimate; resets the window. */
  take(): Float64Array {
    const n = this.n;
    const out = this.m2.map((m) => (n / (n + 5)) * (m / Math.max(n - 1, 1)) + 1e-3 * (5 / (n + 5)));
    this.n = 0;
    this.mean = new Float64Array(this.dim);
    this.m2 = new Float64Array(this.dim);
    return out;
  }
}
