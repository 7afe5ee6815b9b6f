/**
 * Several NUTS chains (nuts.ts) with Stan's warm-up (adaptation.ts), each on its own seeded stream
 * (Philox keyed by (seed, Purpose.hmc), counter = chain), so the draws are a pure function of the target,
 * the initial points and the options: same seed, same bytes.
 *
 * `mass: 'resample'` is QDose's "D-QHMC" (quantum-inspired HMC, Liu & Zhang 2019, diagonal variant): each
 * transition draws its mass matrix afresh, m_d = m_adapted,d * exp(s xi_d), xi_d ~ N(0, 1), s =
 * MASS_RESAMPLE_SD, independently of the state. Every fixed mass leaves the posterior invariant, so the
 * mixture over masses does too; the random mass lets some transitions take long strides in a
 * direction. `diagonal` keeps the adapted mass.
 */
import { Purpose, RandomStream } from '../rng.js';
import { DualAveraging, metricWindows, WindowVariance } from './adaptation.js';
import { Nuts, type HmcTarget, type NutsState } from './nuts.js';
import type { Parametrisation } from './population-posterior.js';

export type MassOption = 'diagonal' | 'resample';

/** log-scale sd of the resampled mass (QDose gives none; 0.5 spans a factor ~2.7 at 2 sd) */
export const MASS_RESAMPLE_SD = 0.5;

export interface HmcOptions {
  readonly chains: number;
  readonly warmup: number;
  readonly samples: number;
  readonly seed: number;
  readonly maxDepth: number;
  readonly mass: MassOption;
  /** the subjects' coordinates (population-posterior.ts); absent: auto */
  readonly parametrisation?: Parametrisation;
}

export const HMC_DEFAULTS = { chains: 4, warmup: 500, samples: 500, maxDepth: 10, mass: 'diagonal', parametrisation: 'auto' } as const;

export interface ChainStats {
  readonly stepSize: number;
  readonly invMetric: readonly number[];
  readonly divergences: number;
  readonly saturated: number;
  readonly leapfrogs: number;
  readonly meanAccept: number;
}

export interface ChainsResult {
  /** draws[c][s]: the s-th post-warm-up state of chain c */
  readonly draws: readonly (readonly Float64Array[])[];
  /** log density of each draw, [chain][draw] */
  readonly logp: readonly (readonly number[])[];
  readonly chains: readonly ChainStats[];
  readonly maxDepth: number;
}

function initialState(target: HmcTarget, q: Float64Array): NutsState {
  const grad = new Float64Array(target.dim);
  const logp = target.logDensityGradient(q, grad);
  return { q, grad, logp };
}

/** Stan's heuristic: double or halve eps until one leapfrog's acceptance crosses 0.8. */
function initialStepSize(nuts: Nuts, state: NutsState, invMetric: Float64Array): number {
  let eps = 1;
  const h = (e: number): number => {
    const p = nuts.drawMomentum(state.q.length, invMetric);
    const k0 = p.reduce((s, x, i) => s + x * x * (invMetric[i] ?? 1), 0) / 2;
    const z = { q: state.q.slice(), p, grad: state.grad.slice(), logp: state.logp };
    nuts.leapfrog(z, e, invMetric);
    const k1 = z.p.reduce((s, x, i) => s + x * x * (invMetric[i] ?? 1), 0) / 2;
    const dh = (-z.logp + k1) - (-state.logp + k0);
    return Number.isFinite(dh) ? -dh : -Infinity;
  };
  const up = h(eps) > Math.log(0.8);
  for (let i = 0; i < 50; i += 1) {
    const next = up ? eps * 2 : eps / 2;
    const crossed = up ? !(h(next) > Math.log(0.8)) : h(next) > Math.log(0.8);
    eps = next;
    if (crossed) break;
  }
  return eps;
}

function runChain(target: HmcTarget, init: Float64Array, chain: number, o: HmcOptions): { draws: Float64Array[]; logp: number[]; stats: ChainStats } {
  const rng = new RandomStream(o.seed, Purpose.hmc, chain);
  const nuts = new Nuts(target, rng, o.maxDepth);
  let state: NutsState = initialState(target, init.slice());
  if (!Number.isFinite(state.logp)) throw new Error(`hmc: chain ${chain} starts where the log density is ${state.logp}`);
  let invMetric: Float64Array = new Float64Array(target.dim).fill(1);
  let eps = initialStepSize(nuts, state, invMetric);
  const dual = new DualAveraging(eps);
  const windows = metricWindows(o.warmup);
  const variance = new WindowVariance(target.dim);
  const draws: Float64Array[] = [];
  const logp: number[] = [];
  let divergences = 0;
  let saturated = 0;
  let leapfrogs = 0;
  let accept = 0;
  const massFor = (): Float64Array => (o.mass === 'resample' ? invMetric.map((v) => v * Math.exp(-MASS_RESAMPLE_SD * rng.normal())) : invMetric);
  for (let it = 0; it < o.warmup + o.samples; it += 1) {
    const t = nuts.transition(state, eps, massFor());
    state = t.state;
    if (it < o.warmup) {
      eps = dual.update(t.acceptStat);
      if (it >= windows.start && windows.ends.length > 0) {
        variance.add(state.q);
        if (windows.ends.includes(it + 1)) {
          invMetric = variance.take();
          eps = initialStepSize(nuts, state, invMetric);
          dual.restart(eps);
        }
      }
      if (it === o.warmup - 1) eps = dual.final();
      continue;
    }
    draws.push(state.q.slice());
    logp.push(state.logp);
    if (t.divergent) divergences += 1;
    if (t.saturated) saturated += 1;
    leapfrogs += t.leapfrogs;
    accept += t.acceptStat;
  }
  return { draws, logp, stats: { stepSize: eps, invMetric: Array.from(invMetric), divergences, saturated, leapfrogs, meanAccept: o.samples === 0 ? NaN : accept / o.samples } };
}

/** Runs the chains one after the other from init(c). */
export function runChains(target: HmcTarget, init: (chain: number) => Float64Array, o: HmcOptions): ChainsResult {
  const runs = Array.from({ length: o.chains }, (_, c) => runChain(target, init(c), c, o));
  return { draws: runs.map((r) => r.draws), logp: runs.map((r) => r.logp), chains: runs.map((r) => r.stats), maxDepth: o.maxDepth };
}
