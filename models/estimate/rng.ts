/**
 * Seeded random streams for the estimation: Philox4x32-10 (worker/rng/philox.ts) keyed by (seed, purpose),
 * counter (subject, draw). Each subject's MCMC chain and importance sample reads its own stream, so the
 * fit is a pure function of (data, start values, options, seed): same seed, same bytes.
 */
import { philox4x32_10Into } from '../../worker/rng/philox.js';
import { normalPairInto, uniformFromWords } from '../../worker/rng/uniform.js';

/** What a stream is for: separate keys keep e.g. importance samples independent of the chains. */
export const Purpose = { mcmc: 1, importance: 2, bootstrap: 3, uncertainty: 4, simulation: 5, refinement: 6, hmc: 7 } as const;

export class RandomStream {
  private readonly words = new Uint32Array(4);
  private readonly pair = new Float64Array(2);
  private counter = 0;
  private spare = false;

  constructor(private readonly seed: number, private readonly purpose: number, private readonly index: number) {}

  private next(): void {
    // counter = (index, draw low, draw high, 0) under key (seed, purpose)
    const c = this.counter++;
    philox4x32_10Into(this.index >>> 0, c >>> 0, Math.floor(c / 4294967296) >>> 0, 0, this.seed >>> 0, this.purpose >>> 0, this.words);
  }

  /** Uniform in (0, 1). */
  uniform(): number {
    this.next();
    this.spare = false;
    return uniformFromWords(this.words[0] ?? 0, this.words[1] ?? 0);
  }

  /** Standard normal (Box–Muller, two per block). */
  normal(): number {
    if (this.spare) {
      this.spare = false;
      return this.pair[1] ?? 0;
    }
    this.next();
    normalPairInto(this.words, this.pair);
    this.spare = true;
    return this.pair[0] ?? 0;
  }

  normals(n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += 1) out[i] = this.normal();
    return out;
  }
}
