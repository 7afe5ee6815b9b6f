/**
 * Candidate fits kept on disk (issue 18 §2: candidate fits are independent jobs). A candidate's fit
 * (candidate-fit.ts) is a pure function of the trial, the structure and the settings, so a result
 * computed by another process (a SLURM array task of `qusop submit slurm-fit`, or an earlier
 * `qusop fit --candidate-store DIR`) is the result this process would compute. Each file is
 * keyed by a sha256 of everything that determines it: the projected trial itself (so the data file,
 * its spec and its covariate declarations are all covered), the structure id, the settings, the code
 * version and the Node.js version (the file is Node's structured-clone serialisation, the same one a
 * worker thread's result travels in). A file whose key does not match is never used.
 *
 *   DIR/<structure id>.<key, 16 hex>.v8
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { Trial } from '../../models/ingest/trial.js';
import { structureOfFit, type StructureId } from '../../models/structures/structure.js';
import { RunError } from '../../worker/common/errors.js';
import { codeVersion } from '../../worker/common/version.js';
import { writeFileAtomic } from '../../coordinator/store/atomic-file.js';
import type { CandidateFit, CandidateSettings } from './candidate-fit.js';

export interface CandidateStore {
  readonly dir: string;
}

type Stored = Omit<CandidateFit, 'structure'> & { structure: StructureId };

/** The key of one candidate's fit: what determines its bytes. */
export function candidateKey(trial: Trial, id: StructureId, settings: CandidateSettings): string {
  const what = JSON.stringify({ code: codeVersion(), node: process.version, id, settings: { seed: settings.seed, draws: settings.draws, vpcReplicates: settings.vpcReplicates, ...(settings.start === undefined ? {} : { start: settings.start[id] ?? null }) }, trial });
  return createHash('sha256').update(what).digest('hex');
}

export function candidateFile(store: CandidateStore, id: StructureId, key: string): string {
  return join(store.dir, `${id}.${key.slice(0, 16)}.v8`);
}

/** The stored fit of this candidate, or undefined when there is none for exactly these inputs. */
export async function loadCandidate(store: CandidateStore, trial: Trial, id: StructureId, settings: CandidateSettings): Promise<CandidateFit | undefined> {
  const key = candidateKey(trial, id, settings);
  const path = candidateFile(store, id, key);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let record: { key?: unknown; result?: Stored };
  try {
    record = deserialize(bytes) as typeof record;
  } catch (err) {
    throw new RunError(`${path}: not a readable candidate fit (${(err as Error).message}); delete it to fit the candidate again`, { cause: err, details: { file: path } });
  }
  // a 64-bit prefix collision is not a match: the whole key must be the one asked for
  if (record.key !== key || record.result === undefined) return undefined;
  return { ...record.result, structure: structureOfFit(record.result.fit) };
}

/** Writes the candidate's fit atomically (a reader sees the whole file or none). */
export async function saveCandidate(store: CandidateStore, trial: Trial, fit: CandidateFit, settings: CandidateSettings): Promise<string> {
  const id = fit.structure.id;
  const key = candidateKey(trial, id, settings);
  const path = candidateFile(store, id, key);
  const result: Stored = { ...fit, structure: id };
  await writeFileAtomic(path, serialize({ key, result }));
  return path;
}
