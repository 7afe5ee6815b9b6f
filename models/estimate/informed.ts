/**
 * Which random effects a subject's data can inform: those whose perturbation changes any of the
 * subject's predictions (checked at two points so an accidental zero derivative is not mistaken for
 * structural irrelevance). A placebo subject's PK and potency effects move nothing; its chain then
 * samples them exactly from the prior instead of spending simulations on them. The same probe tells
 * which numerically estimated fixed effects (psi) a subject's predictions depend on.
 */
import type { CountingModel } from './likelihood.js';

const PROBE_STEP = 0.5;

export function informedMasks(model: CountingModel, theta: Float64Array): boolean[][] {
  const k = model.problem.randomEffects.length;
  return probe(model, theta, k, (eta, _theta, c) => { eta[c] = (eta[c] ?? 0) + PROBE_STEP; });
}

/** Per subject, which of theta's entries `indices` move its predictions (psi the data cannot see is skipped). */
export function thetaMasks(model: CountingModel, theta: Float64Array, indices: readonly number[]): boolean[][] {
  return probe(model, theta, indices.length, (_eta, th, c) => {
    const at = indices[c] ?? 0;
    th[at] = (th[at] ?? 0) + PROBE_STEP;
  });
}

function probe(model: CountingModel, theta: Float64Array, count: number, move: (eta: Float64Array, theta: Float64Array, c: number) => void): boolean[][] {
  const { problem } = model;
  const k = problem.randomEffects.length;
  return problem.subjects.map((subject, s) => {
    const n = subject.y.length;
    const mask = new Array<boolean>(count).fill(false);
    if (n === 0) return mask;
    const base = new Float64Array(n);
    const moved = new Float64Array(n);
    const bases = [new Float64Array(k), Float64Array.from({ length: k }, (_, i) => (i % 2 === 0 ? 0.3 : -0.2))];
    for (const eta0 of bases) {
      model.predict(s, theta, eta0, base);
      for (let c = 0; c < count; c += 1) {
        if (mask[c] === true) continue;
        const eta = Float64Array.from(eta0);
        const th = Float64Array.from(theta);
        move(eta, th, c);
        model.predict(s, th, eta, moved);
        for (let j = 0; j < n; j += 1) {
          const a = base[j] ?? 0;
          const b = moved[j] ?? 0;
          // a NaN on either side also counts as "moves": the likelihood must see it
          if (!(Math.abs(a - b) <= 1e-10 * (1 + Math.abs(a)))) {
            mask[c] = true;
            break;
          }
        }
      }
    }
    return mask;
  });
}
