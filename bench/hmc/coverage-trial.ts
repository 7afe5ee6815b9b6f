/**
 * The coverage study's small trial: the library bench's trial of a truth in EstData's design
 * (bench/selection/library-trial.ts: every dosed subject simulated from the truth with the trial's seed),
 * cut down to the first `perGroup` subjects of each dose group (EstData: 1, 3 and 10 mg, 12 subjects each,
 * 24 concentration samples per subject), so that one HMC fit costs minutes. Every subject's values are
 * simulated independently, so the kept subjects are an honest trial of the truth on their own.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { LibraryTruth } from '../selection/library-truths.js';
import { writeLibraryTrial } from '../selection/library-trial.js';

/** The IDs kept: the first `perGroup` (by ID) of each dose group, the group being a subject's dose amounts. */
export function subsetIds(lines: readonly string[], perGroup: number): Set<string> {
  const header = lines[0]?.split(',') ?? [];
  const [ID, EVID, AMT] = ['ID', 'EVID', 'AMT'].map((name) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`trial: no ${name} column in the header "${lines[0] ?? ''}"`);
    return i;
  }) as [number, number, number];
  const doses = new Map<string, Set<string>>();
  for (const line of lines.slice(1)) {
    const f = line.split(',');
    if (f[EVID] !== '1') continue;
    const id = f[ID]!;
    doses.set(id, (doses.get(id) ?? new Set()).add(f[AMT]!));
  }
  const groups = new Map<string, string[]>();
  for (const [id, amounts] of doses) {
    const key = [...amounts].sort().join('+');
    groups.set(key, [...(groups.get(key) ?? []), id]);
  }
  const kept = new Set<string>();
  for (const ids of groups.values()) for (const id of ids.sort((a, b) => Number(a) - Number(b)).slice(0, perGroup)) kept.add(id);
  return kept;
}

/**
 * Writes the truth's trial for `trialSeed`, only `perGroup` dosed subjects per dose group, to `path`;
 * with `timesH`, only the observations at those times (h) kept (a sparse design), every dose kept.
 */
export async function writeSubsetTrial(path: string, t: LibraryTruth, trialSeed: number, perGroup: number, timesH?: readonly number[]): Promise<{ path: string; subjects: number; observations: number }> {
  await writeLibraryTrial(path, t, trialSeed);
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  const kept = subsetIds(lines, perGroup);
  const header = lines[0]!.split(',');
  const [ID, EVID, TIME] = [header.indexOf('ID'), header.indexOf('EVID'), header.indexOf('TIME')];
  const sampled = (f: readonly string[]): boolean => f[EVID] !== '0' || timesH === undefined || timesH.includes(Number(f[TIME]));
  const rows = lines.slice(1).filter((line) => { const f = line.split(','); return kept.has(f[ID]!) && sampled(f); });
  if (timesH !== undefined) {
    const missing = timesH.filter((h) => !rows.some((line) => { const f = line.split(','); return f[EVID] === '0' && Number(f[TIME]) === h; }));
    if (missing.length > 0) throw new Error(`--times: no observation at ${missing.join(', ')} h in the design (EstData's sampling times)`);
  }
  await writeFile(path, `${[lines[0]!, ...rows].join('\n')}\n`);
  return { path, subjects: kept.size, observations: rows.filter((r) => r.split(',')[EVID] === '0').length };
}
