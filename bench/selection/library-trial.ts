/**
 * Synthetic trials for the library selection bench. Design 'estdata' (the default): EstData's rows (its
 * subjects' BW, COMED, doses and sampling times), biomarker rows dropped for a PK-only truth, oral doses
 * turned into IV boluses (CMT = the concentration's compartment) for an IV truth; designs 'sad' and
 * 'sparse': library-designs.ts (a single-ascending-dose study, a sparse population study). The observations simulated
 * by the project's simulator (models/estimate/simulate-trial.ts: eta ~ N(0, Omega), structures/pk.ts and
 * pd.ts, residual error as the fit assumes it) and written back into their own file lines.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTrial } from '../../models/ingest/trial.js';
import { simulateTrial } from '../../models/estimate/simulate-trial.js';
import { packageRoot } from '../../worker/common/version.js';
import type { LibraryTruth } from './library-truths.js';
import { syntheticDesignLines, type TrialDesign } from './library-designs.js';

/**
 * How a trial's simulation seed follows from the bench's seed number. 'shared' (the first recordings):
 * 9000 + seed for every structure, so trials of different truths with the same seed drew the same
 * random effects and residuals and their errors moved together. 'per-structure': the structure id's
 * sha256 spreads the seeds, so trials of different truths are independent.
 */
export type TrialSeeds = 'shared' | 'per-structure';

export function trialSeed(structureId: string, seed: number, rule: TrialSeeds): number {
  if (rule === 'shared') return 9000 + seed;
  return (createHash('sha256').update(structureId).digest().readUInt32BE(0) % 1_000_000) * 100 + seed;
}

/**
 * EstData's lines rearranged for the truth's design (header first; no trailing newline). `copies` > 1
 * repeats every subject's rows that many times under new IDs (ID + k * 10^digits), a trial with the same
 * design and copies times the subjects: how answers sharpen with information.
 */
export async function designLines(t: LibraryTruth, copies = 1): Promise<string[]> {
  const [header, ...rows] = (await readFile(join(packageRoot(), 'data', 'EstData.csv'), 'utf8')).trimEnd().split('\n');
  if (header === undefined) throw new Error('data/EstData.csv is empty');
  const col = (name: string): number => {
    const i = header.split(',').indexOf(name);
    if (i < 0) throw new Error(`data/EstData.csv: no ${name} column`);
    return i;
  };
  const [EVID, CMT, DVID] = [col('EVID'), col('CMT'), col('DVID')];
  const pkCmt = rows.map((r) => r.split(',')).find((f) => f[DVID] === '1')?.[CMT];
  const once = t.structure.pd ? rows : rows.filter((r) => r.split(',')[DVID] !== '2');
  const ID = col('ID');
  const offset = 10 ** String(Math.max(...once.map((r) => Number(r.split(',')[ID])))).length;
  const kept = Array.from({ length: copies }, (_, k) => once.map((r) => {
    const f = r.split(',');
    f[ID] = String(Number(f[ID]) + k * offset);
    return f.join(',');
  })).flat();
  if (t.structure.route === 'oral') return [header, ...kept];
  return [header, ...kept.map((r) => {
    const f = r.split(',');
    if (f[EVID] === '1') f[CMT] = pkCmt ?? '2';
    return f.join(',');
  })];
}

/**
 * Writes the truth's trial for `seed` to `path` (DV of every observation line replaced; where the design
 * has a BLQ column, a value below the row's LLOQ is written as BLQ=1, DV = the limit); returns the path.
 * `copies` applies to the EstData design only; the other designs draw their subjects from `seed`.
 */
export async function writeLibraryTrial(path: string, t: LibraryTruth, seed: number, copies = 1, trialDesign: TrialDesign = 'estdata'): Promise<string> {
  if (trialDesign !== 'estdata' && copies !== 1) throw new Error(`design ${trialDesign}: copies apply to the EstData design only (got ${copies})`);
  const lines = trialDesign === 'estdata' ? await designLines(t, copies) : syntheticDesignLines(t, trialDesign, seed);
  const design = parseTrial(`${lines.join('\n')}\n`, path);
  const simulated = simulateTrial(design, t.truth, seed, 0, t.structure).trial;
  const header = lines[0]!.split(',');
  const [TIME, DV, BLQ] = [header.indexOf('TIME'), header.indexOf('DV'), header.indexOf('BLQ')];
  for (const s of simulated.subjects) {
    for (const o of [...s.pk, ...s.pd]) {
      const f = lines[o.line - 1]?.split(',');
      if (f === undefined || Number(f[TIME]) !== o.timeH) throw new Error(`${path}: line ${o.line} is not the observation at ${o.timeH} h of subject ${s.id}`);
      if (!Number.isFinite(o.dv)) throw new Error(`${path}: line ${o.line}: simulated value ${o.dv}`);
      f[DV] = String(Number(o.dv.toPrecision(6)));
      if (BLQ >= 0) f[BLQ] = o.blq === true ? '1' : '0';
      lines[o.line - 1] = f.join(',');
    }
  }
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}
