/** Worker-thread entry of pd-stage.ts: one PD-given-PK fit, posted back (or the error's name and message). */
import { parentPort, workerData } from 'node:worker_threads';
import { fitPdJob } from './pd-stage.js';

const port = parentPort;
if (port === null) throw new Error('pd-stage-thread.js runs as a worker thread only');
try {
  port.postMessage({ kind: 'done', result: await fitPdJob(workerData as Parameters<typeof fitPdJob>[0]) });
} catch (err) {
  const e = err as Error;
  port.postMessage({ kind: 'error', name: e.name, message: e.message });
}
