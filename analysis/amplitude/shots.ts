/**
 * Measurement outcomes of the simulated amplitude-estimation circuit, drawn from the project's
 * counter-based generator (worker/rng/philox.ts) so a cell's estimate is a pure function of
 * (seed, cell key): the same bytes on any machine, in any order of cells.
 *
 * Counter layout: (round, block, 0, 0) under key (seed, cellKey). Each Philox block gives four 32-bit
 * words = two uniforms (worker/rng/uniform.ts); shot j of a round uses uniform j. A shot is "good"
 * when u < P(good), so the good count of a round is exactly Binomial(shots, P(good)).
 */
import { philox4x32_10Into } from '../../worker/rng/philox.js';
import { scenarioKey } from '../../worker/rng/scenario-key.js';
import { uniformFromWords } from '../../worker/rng/uniform.js';

/** Draws the good-outcome count of one round of shots. */
export interface ShotSampler {
  /** good outcomes among `shots` measurements of a state whose good probability is `pGood`; `round` indexes the stream */
  goodShots(round: number, shots: number, pGood: number): number;
}

/** The Philox key word of a cell: first 4 bytes of sha256 of the run id and the cell's identity. */
export function cellKey(runId: string, scenario: string, regimen: string, dose: number): number {
  return scenarioKey(`${runId}\u0000${scenario}\u0000${regimen}\u0000${dose}`);
}

/** A ShotSampler on Philox4x32-10 keyed by (seed, key); both unsigned 32-bit integers. */
export function philoxShots(seed: number, key: number): ShotSampler {
  const words = new Uint32Array(4);
  return {
    goodShots(round, shots, pGood) {
      let good = 0;
      for (let j = 0; j < shots; j += 2) {
        philox4x32_10Into(round, j >>> 1, 0, 0, seed, key, words);
        if (uniformFromWords(words[0]!, words[1]!) < pGood) good += 1;
        if (j + 1 < shots && uniformFromWords(words[2]!, words[3]!) < pGood) good += 1;
      }
      return good;
    },
  };
}
