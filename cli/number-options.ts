/**
 * The ranges of the CLI's numeric options, and the yargs coerce that holds every numeric option to
 * its range before a command starts. Each option states its range where it is defined:
 *
 *   .option(...intOption('threads', THREADS, { default: 1, describe: 'onnxruntime intra-op threads' }))
 *
 * A value outside the range, or not a number, is an InputError naming the option, what was expected
 * and what was given (`--workers: expected an integer from 1 to 8 (...), got 400000`).
 *
 * The options carry no yargs `type` (with `type: 'number'` yargs turns `abc` into NaN, so the message
 * could not show what was typed) and take exactly one value (`nargs: 1`: a flag given without one
 * would otherwise quietly take its default). yargs runs the coerce for defaults too, so a default
 * outside its range fails every use of its command (and the tests). yargs rethrows a coerce error as a
 * YError that keeps only the message; main.ts reports it as bad input.
 */
import type { Options } from 'yargs';
import { InputError } from '../worker/common/errors.js';
import { LIMITS } from '../coordinator/scenario/limits.js';
import { usableCores } from './usable-cores.js';

/** The values a numeric option accepts (bounds inclusive unless `exclusiveMin` / `exclusiveMax`). */
export interface NumberRange {
  readonly min: number;
  /** values must exceed `min` (a positive number that may be fractional) */
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /** values must stay below `max` (an open upper end: a half-width below 0.5, a probability below 1) */
  readonly exclusiveMax?: boolean;
  /** why the range is what it is, when that is not obvious; shown in the error */
  readonly why?: string;
}

/** Node timers hold at most 2^31 - 1 ms (24.8 days); a longer delay fires at once. */
const TIMER_MAX_MS = 2 ** 31 - 1;

/** Cores this process may use: its CPU affinity capped by a container's CPU quota (never 0, unlike os.cpus().length in some containers). */
export const CORES = usableCores();

/** How many of something: tiles, threads, rows, epochs. */
export const COUNT: NumberRange = { min: 1 };

/** onnxruntime intra-op threads per process (for `submit`, also each task's --cpus-per-task): a node's cores at most, and no node has more than this. */
export const THREADS: NumberRange = { min: 1, max: 1024, why: "threads per worker process; more than a node's cores only oversubscribe it" };

/** A seed keys Philox4x32-10 streams, which take 32-bit words (worker/rng/scenario-key.ts, models/sequence/seeded.ts). */
export const SEED: NumberRange = { min: 0, max: 0xffff_ffff, why: 'seeds are unsigned 32-bit Philox keys' };

/** A TCP port to listen on; 0 picks a free one (logged). */
export const PORT: NumberRange = { min: 0, max: 65_535 };

/** Tile lease: the coordinator heartbeats every max(200 ms, lease/5) and requires heartbeat < lease (server/options.ts); workers time heartbeats with setInterval. */
export const LEASE_MS: NumberRange = { min: 201, max: TIMER_MAX_MS, why: 'heartbeats come every max(200, lease/5) ms and must fit in a lease' };

/** Local worker processes (`qusop run`, `qusop answer`): a few per core at most. */
export const LOCAL_WORKERS: NumberRange = {
  min: 1,
  max: 4 * CORES,
  why: `at most 4 per core, ${CORES} core(s) here: each local worker is a process with its own onnxruntime session, ~150-350 MiB`,
};

/** Replicates per dose, and the parameter-uncertainty draws that replicates cycle through: a scenario's limit. */
export const REPLICATES: NumberRange = { min: 1, max: LIMITS.replicates, why: "a scenario's limit" };

/** Virtual subjects per replicate: a scenario's limit. */
export const SUBJECTS: NumberRange = { min: 1, max: LIMITS.subjects, why: "a scenario's limit" };

/** `watch --timeout-s`: 0 is no limit; the limit is a Node timer. */
export const TIMEOUT_S: NumberRange = { min: 0, max: TIMER_MAX_MS / 1000, why: '0: no limit' };

/** What an option definition may set besides its range (`type`, `nargs` and `coerce` come from here). */
export type NumberOptionSettings = Omit<Options, 'type' | 'nargs' | 'coerce' | 'default'> & { readonly default?: number; readonly describe?: string };

type NumberOption<O extends NumberOptionSettings> = Omit<O, 'describe'> & { readonly describe: string; readonly nargs: 1; readonly coerce: (value: unknown) => number };

/** An option that takes an integer in `range`: `.option(...intOption(name, range, settings))`. */
export function intOption<K extends string, O extends NumberOptionSettings>(name: K, range: NumberRange, settings: O): readonly [K, NumberOption<O>] {
  return numericOption(name, true, range, settings);
}

/** An option that takes a (possibly fractional) number in `range`. */
export function numberOption<K extends string, O extends NumberOptionSettings>(name: K, range: NumberRange, settings: O): readonly [K, NumberOption<O>] {
  return numericOption(name, false, range, settings);
}

function numericOption<K extends string, O extends NumberOptionSettings>(name: K, integer: boolean, range: NumberRange, settings: O): readonly [K, NumberOption<O>] {
  const label = expected(integer, range);
  const describe = settings.describe === undefined ? `[${label}]` : `${settings.describe} [${label}]`;
  return [name, { ...settings, describe, nargs: 1, coerce: checkNumber(name, integer, range) }];
}

/** The yargs coerce of option `name`: the value as a number, or an InputError. */
export function checkNumber(name: string, integer: boolean, range: NumberRange): (value: unknown) => number {
  return (value) => {
    const v = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
    const ok =
      Number.isFinite(v) && (!integer || Number.isSafeInteger(v)) && (range.exclusiveMin === true ? v > range.min : v >= range.min) && (range.max === undefined || (range.exclusiveMax === true ? v < range.max : v <= range.max));
    if (ok) return v;
    const why = range.why === undefined ? '' : ` (${range.why})`;
    throw new InputError(`--${name}: expected ${integer ? 'an' : 'a'} ${expected(integer, range)}${why}, got ${given(value)}`, { details: { field: name, value } });
  };
}

/** "integer >= 1", "number > 0", "integer from 0 to 65535". */
function expected(integer: boolean, r: NumberRange): string {
  const kind = integer ? 'integer' : 'number';
  if (r.max !== undefined && r.exclusiveMin !== true && r.exclusiveMax !== true) return `${kind} from ${r.min} to ${r.max}`;
  const low = `${kind} ${r.exclusiveMin === true ? '>' : '>='} ${r.min}`;
  return r.max === undefined ? low : `${low} and ${r.exclusiveMax === true ? '<' : '<='} ${r.max}`;
}

/** What the command line gave, as typed: yargs passes text it could not read as a number unchanged. */
function given(value: unknown): string {
  if (typeof value === 'string' && value.trim() === '') return 'an empty value';
  if (Array.isArray(value)) return `${value.map(given).join(' and ')} (the option given ${value.length} times)`;
  return String(value);
}
