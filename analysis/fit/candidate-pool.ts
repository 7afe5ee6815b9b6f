/**
 * The candidate structures of a fit are independent jobs (issue 18 §2): with `parallel` > 1 they run in
 * worker threads, at most `parallel` at once, each fitting exactly as it would here (candidate-fit.ts),
 * so the results, and the choice, are the same bytes for any `parallel`. Lines and progress are passed
 * on as they come (lines name their candidate); results come back in the candidates' order. A failing
 * candidate fails the fit with its own error (class name kept, so exit codes hold).
 *
 * With a candidate store (candidate-store.ts) a candidate whose fit is stored for exactly these
 * inputs is read, not fitted, and every candidate fitted here is stored; `storedOnly` (the selection
 * job after a SLURM array of candidate fits) fits nothing and fails naming the candidates missing.
 */
import { Worker } from 'node:worker_threads';
import type { Trial } from '../../models/ingest/trial.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import { structureOfFit, type Structure, type StructureId } from '../../models/structures/structure.js';
import { InputError, RunError } from '../../worker/common/errors.js';
import { fitCandidate, type CandidateFit, type CandidateSettings } from './candidate-fit.js';
import { candidateFile, candidateKey, loadCandidate, saveCandidate, type CandidateStore } from './candidate-store.js';

type Message =
  | { kind: 'say'; line: string }
  | { kind: 'progress'; p: FitProgress }
  | { kind: 'done'; result: Omit<CandidateFit, 'structure'> & { structure: StructureId } }
  | { kind: 'error'; name: string; message: string; details: unknown };

function inThread(trial: Trial, id: StructureId, settings: CandidateSettings, say: (line: string) => void, progress?: (p: FitProgress) => void): Promise<CandidateFit> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./candidate-thread.js', import.meta.url), { workerData: { trial, id, settings, progress: progress !== undefined } });
    let settled = false;
    worker.on('message', (m: Message) => {
      if (m.kind === 'say') say(m.line);
      else if (m.kind === 'progress') progress?.(m.p);
      else if (m.kind === 'done') { settled = true; resolve({ ...m.result, structure: structureOfFit(m.result.fit) }); }
      else {
        settled = true;
        const details = (m.details ?? {}) as Record<string, unknown>;
        // the error classes that set exit codes survive the thread boundary by name
        reject(m.name === 'InputError' ? new InputError(m.message, { details }) : Object.assign(new Error(m.message), { name: m.name }));
      }
    });
    worker.on('error', (err) => { if (!settled) { settled = true; reject(err); } });
    worker.on('exit', (code) => { if (!settled) reject(new Error(`candidate ${id}: fit thread exited with code ${code} before a result`)); });
  });
}

export interface PoolStore {
  readonly store?: CandidateStore | undefined;
  /** fit nothing: every candidate must be in the store */
  readonly storedOnly?: boolean | undefined;
}

export async function fitCandidates(trial: Trial, structures: readonly Structure[], settings: CandidateSettings, parallel: number, say: (line: string) => void, progress?: (p: FitProgress) => void, kept: PoolStore = {}): Promise<CandidateFit[]> {
  const { store } = kept;
  if (store === undefined) return fitAll(trial, structures, settings, parallel, say, progress);
  const stored = await Promise.all(structures.map((s) => loadCandidate(store, trial, s.id, settings)));
  const missing = structures.filter((_, i) => stored[i] === undefined);
  for (const [i, s] of structures.entries()) if (stored[i] !== undefined) say(`${s.id}: stored fit read from ${candidateFile(store, s.id, candidateKey(trial, s.id, settings))}`);
  if (missing.length > 0 && kept.storedOnly === true) {
    const names = missing.map((s) => `${s.id} (${candidateFile(store, s.id, candidateKey(trial, s.id, settings))})`);
    throw new RunError(`${missing.length} candidate fit(s) not in ${store.dir}: ${names.join(', ')}; their fitting job failed or has not run (see its log), or it fitted other inputs (trial, data spec, seed, draws, VPC replicates, code version)`, { details: { missing: missing.map((s) => s.id) } });
  }
  const fitted = await fitAll(trial, missing, settings, parallel, say, progress);
  for (const f of fitted) await saveCandidate(store, trial, f, settings);
  let next = 0;
  return structures.map((_, i) => stored[i] ?? fitted[next++]!);
}

async function fitAll(trial: Trial, structures: readonly Structure[], settings: CandidateSettings, parallel: number, say: (line: string) => void, progress?: (p: FitProgress) => void): Promise<CandidateFit[]> {
  if (parallel <= 1 || structures.length <= 1) {
    const out: CandidateFit[] = [];
    for (const s of structures) out.push(await fitCandidate(trial, s.id, settings, say, progress));
    return out;
  }
  const results: CandidateFit[] = new Array(structures.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < structures.length; i = next++) results[i] = await inThread(trial, structures[i]!.id, settings, say, progress);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, structures.length) }, lane));
  return results;
}
