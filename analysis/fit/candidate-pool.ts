/**
 * The candidate structures of a fit are independent jobs (issue 18 §2): with `parallel` > 1 they run in
 * worker threads, at most `parallel` at once, each fitting exactly as it would here (candidate-fit.ts),
 * so the results, and the choice, are the same bytes for any `parallel`. Lines and progress are passed
 * on as they come (lines name their candidate); results come back in the candidates' order. A failing
 * candidate fails the fit with its own error (class name kept, so exit codes hold).
 */
import { Worker } from 'node:worker_threads';
import type { Trial } from '../../models/ingest/trial.js';
import type { FitProgress } from '../../models/estimate/fit.js';
import { structureOfFit, type Structure, type StructureId } from '../../models/structures/structure.js';
import { InputError } from '../../worker/common/errors.js';
import { fitCandidate, type CandidateFit, type CandidateSettings } from './candidate-fit.js';

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

export async function fitCandidates(trial: Trial, structures: readonly Structure[], settings: CandidateSettings, parallel: number, say: (line: string) => void, progress?: (p: FitProgress) => void): Promise<CandidateFit[]> {
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
