/**
 * The Philox key of a scenario: [run seed, scenarioKey(name)] (DESIGN.md "Determinism"). Hashing the
 * name, not its position in a run, keeps a scenario's population the same whatever else is submitted
 * beside it.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../common/errors.js';
import type { PopulationKey } from '../population/prior.js';

const U32_MAX = 0xffffffff;

/** First 4 bytes, big-endian, of sha256(utf8 name): an unsigned 32-bit integer. */
export function scenarioKey(name: string): number {
  return createHash('sha256').update(name, 'utf8').digest().readUInt32BE(0);
}

/** True when x is an integer in [0, 2^32). */
export function isUint32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= U32_MAX;
}

/** The population key of (run seed, scenario name); the seed must be an unsigned 32-bit integer. */
export function populationKey(seed: number, scenarioName: string): PopulationKey {
  if (!isUint32(seed)) {
    throw new InputError(`seed (${seed}) must be an integer in [0, 4294967295]`, {
      details: { field: 'seed', value: seed },
    });
  }
  return { seed, scenario: scenarioKey(scenarioName) };
}
