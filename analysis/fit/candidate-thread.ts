/**
 * Worker-thread entry of candidate-pool.ts: fits one candidate (candidate-fit.ts) and posts its lines,
 * its progress and, last, its result (or the error's name, message and details).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Trial } from '../../models/ingest/trial.js';
import type { StructureId } from '../../models/structures/structure.js';
import { fitCandidate, type CandidateSettings } from './candidate-fit.js';

interface Job { readonly trial: Trial; readonly id: StructureId; readonly settings: CandidateSettings; readonly progress: boolean }

const job = workerData as Job;
const port = parentPort;
if (port === null) throw new Error('candidate-thread.js runs as a worker thread only');
try {
  const r = await fitCandidate(job.trial, job.id, job.settings, (line) => port.postMessage({ kind: 'say', line }), job.progress ? (p) => port.postMessage({ kind: 'progress', p }) : undefined);
  port.postMessage({ kind: 'done', result: { ...r, structure: r.structure.id } });
} catch (err) {
  const e = err as Error & { details?: unknown };
  port.postMessage({ kind: 'error', name: e.name, message: e.message, details: e.details ?? null });
}
