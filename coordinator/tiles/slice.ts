/**
 * Which tiles belong to array task i of N. A pure, deterministic partition of the planned tile list
 * (round-robin by index): every task of a SLURM array computes the same partition from run.json
 * alone, so the tasks need no coordinator and never overlap, and each task gets a mix of doses and
 * replicates (planTiles orders tiles by regimen, then replicate block), which evens out task times.
 */
import { InputError } from '../../worker/common/errors.js';

export interface Slice {
  /** 0-based task index, < count */
  readonly index: number;
  readonly count: number;
}

/** Parses `i/N` (e.g. `$SLURM_ARRAY_TASK_ID/4`). */
export function parseSlice(text: string, field = '--slice'): Slice {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new InputError(`${field} ${JSON.stringify(text)}: expected I/N with 0 <= I < N (e.g. 0/4)`, { details: { field } });
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new InputError(`${field} ${text}: expected I/N with 0 <= I < N and N >= 1`, { details: { field } });
  }
  return { index, count };
}

export function formatSlice(s: Slice): string {
  return `${s.index}/${s.count}`;
}

/** The items of slice i of N: positions i, i+N, i+2N, ... */
export function sliceItems<T>(items: readonly T[], s: Slice): T[] {
  const out: T[] = [];
  for (let j = s.index; j < items.length; j += s.count) {
    const item = items[j];
    if (item !== undefined) out.push(item);
  }
  return out;
}
