/**
 * Residual-error part of the M-step. For each output, the residual parameters that maximise the
 * current samples' likelihood are found exactly (closed form for additive or proportional error,
 * Fisher scoring on (log a, log b) for the combined model; no simulations needed: the chains'
 * predictions are fixed), then stochastically approximated on the variance scale (for an additive
 * error this is exactly SAEM on the sufficient statistic sum r^2). An output with censored rows (M3)
 * maximises the observed-data likelihood of the samples instead (mstep-residual-m3.ts).
 */
import type { Chain } from './mcmc.js';
import { isCensored, type EstimationProblem, type ResidualParam } from './problem.js';
import { censoredResidualMle, type CensoredResiduals } from './mstep-residual-m3.js';

/** Lower bounds relative to the data: keep a vanishing component from driving log sd to -inf. */
const MIN_ADDITIVE_FRACTION = 1e-3;
const MIN_PROPORTIONAL = 1e-3;
const ANNEAL_FACTOR = 0.95;

interface OutputResiduals {
  readonly r: Float64Array;
  readonly f: Float64Array;
  /** present when some row is censored (M3): 1 = r is LLOQ - f, not a residual */
  readonly censored?: Uint8Array;
}

export function residualFloors(problem: EstimationProblem, layout: readonly ResidualParam[]): Float64Array {
  return Float64Array.from(layout, (p) => {
    if (p.kind === 'proportional') return MIN_PROPORTIONAL;
    const ys: number[] = [];
    // a censored row's y is its limit, not a value
    for (const s of problem.subjects) s.y.forEach((v, j) => { if (s.output[j] === p.output && !isCensored(s, j)) ys.push(Math.abs(v)); });
    ys.sort((a, b) => a - b);
    const median = ys.length > 0 ? ys[Math.floor(ys.length / 2)] ?? 1 : 1;
    return Math.max(MIN_ADDITIVE_FRACTION * median, 1e-12);
  });
}

function gather(problem: EstimationProblem, chains: readonly Chain[], output: number): OutputResiduals {
  const r: number[] = [];
  const f: number[] = [];
  const censored: number[] = [];
  chains.forEach((c, s) => {
    const subj = problem.subjects[s]!;
    subj.y.forEach((y, j) => {
      if (subj.output[j] !== output) return;
      r.push(y - (c.f[j] ?? 0));
      f.push(c.f[j] ?? 0);
      censored.push(isCensored(subj, j) ? 1 : 0);
    });
  });
  const out = { r: Float64Array.from(r), f: Float64Array.from(f) };
  return censored.includes(1) ? { ...out, censored: Uint8Array.from(censored) } : out;
}

/** argmax over (a, b) >= floors of sum log N(r; 0, a^2 + b^2 f^2), from (a0, b0). */
export function combinedResidualMle(d: OutputResiduals, a0: number, b0: number, aFloor: number, bFloor: number): { a: number; b: number } {
  let la = Math.log(Math.max(a0, aFloor));
  let lb = Math.log(Math.max(b0, bFloor));
  const objective = (x: number, y: number): number => {
    const a2 = Math.exp(2 * x);
    const b2 = Math.exp(2 * y);
    let s = 0;
    for (let j = 0; j < d.r.length; j += 1) {
      const v = a2 + b2 * (d.f[j] ?? 0) ** 2;
      s += ((d.r[j] ?? 0) ** 2) / v + Math.log(v);
    }
    return -0.5 * s;
  };
  let current = objective(la, lb);
  for (let it = 0; it < 100; it += 1) {
    const a2 = Math.exp(2 * la);
    const b2 = Math.exp(2 * lb);
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    for (let j = 0; j < d.r.length; j += 1) {
      const f2 = (d.f[j] ?? 0) ** 2;
      const v = a2 + b2 * f2;
      const u = 0.5 * (((d.r[j] ?? 0) ** 2) / v - 1) / v;
      const dva = 2 * a2;
      const dvb = 2 * b2 * f2;
      ga += u * dva;
      gb += u * dvb;
      haa += (0.5 * dva * dva) / (v * v);
      hab += (0.5 * dva * dvb) / (v * v);
      hbb += (0.5 * dvb * dvb) / (v * v);
    }
    const det = haa * hbb - hab * hab;
    let da = det > 0 ? (hbb * ga - hab * gb) / det : ga / Math.max(haa, 1e-12);
    let db = det > 0 ? (haa * gb - hab * ga) / det : gb / Math.max(hbb, 1e-12);
    const big = Math.max(Math.abs(da), Math.abs(db));
    if (big > 1) { da /= big; db /= big; }
    let step = 1;
    let accepted = false;
    for (let h = 0; h < 30; h += 1) {
      const na = Math.max(la + step * da, Math.log(aFloor));
      const nb = Math.max(lb + step * db, Math.log(bFloor));
      const value = objective(na, nb);
      if (value >= current) {
        const moved = Math.abs(na - la) + Math.abs(nb - lb);
        la = na; lb = nb; current = value; accepted = true;
        if (moved < 1e-10) return { a: Math.exp(la), b: Math.exp(lb) };
        break;
      }
      step /= 2;
    }
    if (!accepted) break;
  }
  return { a: Math.exp(la), b: Math.exp(lb) };
}

/** New residual sds (residualLayout order) after one SA step with gain gamma. */
export function updateResiduals(
  problem: EstimationProblem, layout: readonly ResidualParam[], chains: readonly Chain[], sigma: Float64Array,
  floors: Float64Array, gamma: number, anneal: boolean,
): Float64Array {
  const next = Float64Array.from(sigma);
  problem.outputs.forEach((o, out) => {
    const ia = layout.findIndex((p) => p.output === out && p.kind === 'additive');
    const ib = layout.findIndex((p) => p.output === out && p.kind === 'proportional');
    const d = gather(problem, chains, out);
    if (d.r.length === 0) return;
    let aHat = 0;
    let bHat = 0;
    if (d.censored !== undefined) {
      ({ a: aHat, b: bHat } = censoredResidualMle(d as CensoredResiduals, o.error, sigma[ia] ?? 0, sigma[ib] ?? 0, floors[ia] ?? 0, floors[ib] ?? 0));
    } else if (o.error === 'additive') {
      aHat = Math.sqrt(d.r.reduce((s, v) => s + v * v, 0) / d.r.length);
    } else if (o.error === 'proportional') {
      let s = 0;
      for (let j = 0; j < d.r.length; j += 1) s += ((d.r[j] ?? 0) / Math.max(Math.abs(d.f[j] ?? 0), 1e-12)) ** 2;
      bHat = Math.sqrt(s / d.r.length);
    } else {
      ({ a: aHat, b: bHat } = combinedResidualMle(d, sigma[ia] ?? 1, sigma[ib] ?? 0.1, floors[ia] ?? 0, floors[ib] ?? 0));
    }
    const sa = (i: number, hat: number): void => {
      if (i < 0) return;
      const old = sigma[i] ?? 0;
      let v2 = old * old + gamma * (hat * hat - old * old);
      if (anneal) v2 = Math.max(v2, ANNEAL_FACTOR * old * old);
      next[i] = Math.max(Math.sqrt(Math.max(v2, 0)), floors[i] ?? 0);
    };
    sa(ia, aHat);
    sa(ib, bHat);
  });
  return next;
}
