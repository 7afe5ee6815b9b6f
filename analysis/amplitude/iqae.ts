/**
 * Iterative quantum amplitude estimation (IQAE; Grinko, Gacon, Zoufal, Woerner, npj Quantum Inf. 7, 52,
 * 2021), Clopper–Pearson variant, simulated: the quantum state is never built. For a success
 * probability a = sin^2(theta), theta in [0, pi/2], a measurement after k Grover iterations is good
 * with probability sin^2((2k + 1) theta); the ShotSampler draws those outcomes.
 *
 * The algorithm keeps a confidence interval on theta. Each round picks the largest k whose scaled
 * interval (4k + 2) theta / (2 pi) stays inside one half-circle (so arccos inverts the measured
 * probability uniquely), measures `shots` times, pools the shots of the rounds with the same k, turns
 * their Clopper–Pearson interval at level 1 - alpha / T back into theta and intersects. It stops when
 * the theta interval is shorter than 2 epsilon: since |da/dtheta| = |sin 2 theta| <= 1 the interval on
 * a is then at most 2 epsilon long (half-width <= epsilon). T bounds the number of distinct k (k at
 * least doubles its scaling 4k + 2 each time it changes), so by the union bound the final interval
 * holds a with probability >= 1 - alpha.
 *
 * Angles are kept in turns (theta / 2 pi, in [0, 1/4]) as in the authors' reference implementation
 * (Qiskit's IterativeAmplitudeEstimation), which this follows step for step.
 *
 * Query convention: one oracle query is one application of the state preparation A or of the Grover
 * operator Q; a shot after k iterations (A, then Q^k, then a measurement) costs k + 1 queries, so a
 * plain Monte Carlo sample (k = 0) costs exactly one and the two counts compare like with like.
 */
import { clopperPearson } from '../../coordinator/aggregate/bands.js';
import { InputError } from '../../worker/common/errors.js';
import type { ShotSampler } from './shots.js';

export interface IqaeOptions {
  /** target half-width of the interval on a, in (0, 0.5) */
  readonly epsilon: number;
  /** the interval on a holds with probability >= 1 - alpha */
  readonly alpha: number;
  /** measurements per round (the paper's N_shots) */
  readonly shots: number;
}

export interface IqaeRound {
  /** Grover iterations before the measurement */
  readonly k: number;
  readonly good: number;
}

export interface IqaeResult {
  /** midpoint of the final interval on a */
  readonly estimate: number;
  readonly lo: number;
  readonly hi: number;
  /** oracle queries: sum over shots of (k + 1) */
  readonly queries: number;
  /** T: the bound on distinct k; each round's interval has level 1 - alpha / T */
  readonly maxRounds: number;
  readonly rounds: readonly IqaeRound[];
}

/** The paper's N_shots in its experiments; a fixed part of the method, recorded in every output. */
export const DEFAULT_SHOTS = 100;

/** Scaling factors grow by at least this ratio when k changes (the reference implementation's default). */
const MIN_RATIO = 2;

const frac = (x: number): number => x - Math.floor(x);

/** T = floor(log_r(r pi / (8 epsilon))) + 1 with r = MIN_RATIO, as in the reference implementation. */
export function maxRounds(epsilon: number): number {
  return Math.floor(Math.log((MIN_RATIO * Math.PI) / 8 / epsilon) / Math.log(MIN_RATIO)) + 1;
}

/**
 * The next k: the largest scaling K = 4k + 2 >= MIN_RATIO x the current one for which the scaled
 * interval [K tl, K tu] (mod 1) lies in one half-circle; otherwise k stays.
 */
export function nextK(k: number, upper: boolean, tl: number, tu: number): { k: number; upper: boolean } {
  const current = 4 * k + 2;
  const largest = Math.floor(1 / (2 * (tu - tl)));
  for (let scaling = largest - ((((largest - 2) % 4) + 4) % 4); scaling >= MIN_RATIO * current; scaling -= 4) {
    const lo = frac(scaling * tl);
    const hi = frac(scaling * tu);
    if (lo <= hi && hi <= 0.5) return { k: (scaling - 2) / 4, upper: true };
    if (hi >= 0.5 && hi >= lo && lo >= 0.5) return { k: (scaling - 2) / 4, upper: false };
  }
  return { k, upper };
}

function checkOptions(a: number, o: IqaeOptions): void {
  if (!(a >= 0 && a <= 1)) throw new InputError(`amplitude estimation: a is ${a}, expected a probability in [0, 1]`, { details: { field: 'a', value: a } });
  if (!(o.epsilon > 0 && o.epsilon < 0.5)) throw new InputError(`amplitude estimation: half-width ${o.epsilon}, expected > 0 and < 0.5`, { details: { field: 'half-width', value: o.epsilon } });
  if (!(o.alpha > 0 && o.alpha < 1)) throw new InputError(`amplitude estimation: alpha ${o.alpha}, expected > 0 and < 1`, { details: { field: 'alpha', value: o.alpha } });
  if (!(Number.isInteger(o.shots) && o.shots >= 1)) throw new InputError(`amplitude estimation: shots ${o.shots}, expected an integer >= 1`, { details: { field: 'shots', value: o.shots } });
}

/** IQAE of the success probability `a`, its measurements drawn by `sampler`. */
export function iterativeQae(a: number, o: IqaeOptions, sampler: ShotSampler): IqaeResult {
  checkOptions(a, o);
  const theta = Math.asin(Math.sqrt(a));
  const T = maxRounds(o.epsilon);
  const level = 1 - o.alpha / T;
  const rounds: IqaeRound[] = [];
  let tl = 0;
  let tu = 0.25;
  let k = 0;
  let upper = true;
  let queries = 0;
  let pooledShots = 0;
  let pooledGood = 0;
  while (tu - tl > o.epsilon / Math.PI) {
    const next = nextK(k, upper, tl, tu);
    if (next.k !== k || rounds.length === 0) {
      pooledShots = 0;
      pooledGood = 0;
    }
    k = next.k;
    upper = next.upper;
    const good = sampler.goodShots(rounds.length, o.shots, Math.sin((2 * k + 1) * theta) ** 2);
    rounds.push({ k, good });
    queries += o.shots * (k + 1);
    pooledShots += o.shots;
    pooledGood += good;
    // the measured probability is sin^2((2k+1) theta) = (1 - cos(2 pi K t)) / 2 with K = 4k + 2
    const ci = clopperPearson(pooledGood, pooledShots, level);
    const scaledLo = upper ? Math.acos(1 - 2 * ci.lo) / (2 * Math.PI) : 1 - Math.acos(1 - 2 * ci.hi) / (2 * Math.PI);
    const scaledHi = upper ? Math.acos(1 - 2 * ci.hi) / (2 * Math.PI) : 1 - Math.acos(1 - 2 * ci.lo) / (2 * Math.PI);
    const K = 4 * k + 2;
    const newTu = (Math.floor(K * tu) + scaledHi) / K;
    const newTl = (Math.floor(K * tl) + scaledLo) / K;
    tl = newTl;
    tu = newTu;
  }
  const lo = Math.sin(2 * Math.PI * tl) ** 2;
  const hi = Math.sin(2 * Math.PI * tu) ** 2;
  return { estimate: (lo + hi) / 2, lo, hi, queries, maxRounds: T, rounds };
}
