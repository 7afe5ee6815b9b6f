/**
 * Convergence diagnostics of several chains (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021,
 * "Rank-normalization, folding, and localization: an improved R-hat", as the R package `posterior`
 * computes them): split chains; R-hat = max of the rank-normalised split R-hat and that of the folded
 * draws |x - median|; bulk ESS = ESS of the rank-normalised split chains; tail ESS = min of the ESS of
 * the 5 % and 95 % quantile indicators. ESS by Geyer's initial monotone sequence on the multi-chain
 * autocorrelation (Stan's estimator, with its antithetic improvement and its 1 / log10(S) floor on tau).
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

type Chains = readonly (readonly number[])[];

/** Each chain cut in two halves (the middle draw of an odd chain dropped). */
export function splitChains(chains: Chains): number[][] {
  return chains.flatMap((c) => {
    const h = Math.floor(c.length / 2);
    return [c.slice(0, h), c.slice(c.length - h)];
  });
}

const mean = (x: readonly number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
const variance = (x: readonly number[]): number => {
  const m = mean(x);
  return x.reduce((s, v) => s + (v - m) * (v - m), 0) / (x.length - 1);
};

/** Gelman–Rubin R-hat of equal-length chains: sqrt(((N - 1) / N W + B / N) / W). */
export function basicRhat(chains: Chains): number {
  const n = chains[0]?.length ?? 0;
  const w = mean(chains.map(variance));
  const b = n * variance(chains.map(mean));
  return Math.sqrt((((n - 1) / n) * w + b / n) / w);
}

/** Normal scores of the pooled ranks (average ranks for ties): qnorm((r - 3/8) / (S + 1/4)), chain shape kept. */
export function rankNormalise(chains: Chains): number[][] {
  const flat = chains.flatMap((c, ci) => c.map((v, i) => ({ v, ci, i })));
  const order = flat.map((_, k) => k).sort((a, b) => flat[a]!.v - flat[b]!.v);
  const rank = new Float64Array(flat.length);
  for (let k = 0; k < order.length;) {
    let e = k;
    while (e + 1 < order.length && flat[order[e + 1]!]!.v === flat[order[k]!]!.v) e += 1;
    for (let j = k; j <= e; j += 1) rank[order[j]!] = (k + e) / 2 + 1;
    k = e + 1;
  }
  const s = flat.length;
  const out = chains.map((c) => new Array<number>(c.length).fill(0));
  flat.forEach((d, k) => { out[d.ci]![d.i] = normalQuantile(((rank[k] ?? 0) - 0.375) / (s + 0.25), 0, 1); });
  return out;
}

const median = (x: readonly number[]): number => {
  const s = [...x].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/** Rank-normalised split R-hat (max of bulk and folded). */
export function rhat(chains: Chains): number {
  const split = splitChains(chains);
  const bulk = basicRhat(rankNormalise(split));
  const m = median(split.flat());
  const tail = basicRhat(rankNormalise(split.map((c) => c.map((v) => Math.abs(v - m)))));
  return Math.max(bulk, tail);
}

/** Biased autocovariance of one chain at lags 0..n-1 (divided by n). */
function autocovariance(x: readonly number[]): Float64Array {
  const n = x.length;
  const m = mean(x);
  const d = x.map((v) => v - m);
  const out = new Float64Array(n);
  for (let lag = 0; lag < n; lag += 1) {
    let s = 0;
    for (let i = 0; i + lag < n; i += 1) s += (d[i] ?? 0) * (d[i + lag] ?? 0);
    out[lag] = s / n;
  }
  return out;
}

/** ESS of equal-length chains (no splitting or ranking): Stan's / posterior's ess_basic. NaN for constant draws. */
export function basicEss(chains: Chains): number {
  const m = chains.length;
  const n = chains[0]?.length ?? 0;
  if (n < 4) return NaN;
  const acov = chains.map(autocovariance);
  const meanVar = mean(acov.map((a) => ((a[0] ?? 0) * n) / (n - 1)));
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += variance(chains.map(mean));
  if (!(varPlus > 0)) return NaN;
  const rhoAt = (lag: number): number => 1 - (meanVar - mean(acov.map((a) => a[lag] ?? 0))) / varPlus;
  const rho = new Float64Array(n);
  let t = 0;
  let even = 1;
  let odd = rhoAt(1);
  rho[0] = even;
  rho[1] = odd;
  while (t < n - 5 && even + odd > 0) {
    t += 2;
    even = rhoAt(t);
    odd = rhoAt(t + 1);
    if (even + odd >= 0) {
      rho[t] = even;
      rho[t + 1] = odd;
    }
  }
  const maxT = t;
  if (even > 0) rho[maxT] = even;
  // Geyer's initial monotone sequence
  for (let k = 2; k <= maxT - 2; k += 2) {
    if ((rho[k] ?? 0) + (rho[k + 1] ?? 0) > (rho[k - 2] ?? 0) + (rho[k - 1] ?? 0)) {
      rho[k] = ((rho[k - 2] ?? 0) + (rho[k - 1] ?? 0)) / 2;
      rho[k + 1] = rho[k] ?? 0;
    }
  }
  let sum = 0;
  for (let k = 0; k < maxT; k += 1) sum += rho[k] ?? 0;
  const total = m * n;
  const tau = Math.max(-1 + 2 * sum + (rho[maxT] ?? 0), 1 / Math.log10(total));
  return total / tau;
}

export const bulkEss = (chains: Chains): number => basicEss(rankNormalise(splitChains(chains)));

/** Tail ESS: the smaller ESS of the indicators x <= q05 and x <= q95 on split chains. */
export function tailEss(chains: Chains): number {
  const split = splitChains(chains);
  const sorted = split.flat().sort((a, b) => a - b);
  const quantile = (p: number): number => {
    // type-7 quantile, as R's default
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]!);
  };
  const ess = [0.05, 0.95].map((p) => {
    const q = quantile(p);
    return basicEss(split.map((c) => c.map((v) => (v <= q ? 1 : 0))));
  });
  return Math.min(...ess);
}

export interface ParameterDiagnostics {
  readonly rhat: number;
  readonly essBulk: number;
  readonly essTail: number;
}

export const parameterDiagnostics = (chains: Chains): ParameterDiagnostics => ({ rhat: rhat(chains), essBulk: bulkEss(chains), essTail: tailEss(chains) });
