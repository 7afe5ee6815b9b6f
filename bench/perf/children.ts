/**
 * Runs benchmark configurations in child processes — one at a time, or several at once to load every
 * core the way a multi-worker node does — and collects the one JSON line each prints.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ThroughputConfig, ThroughputResult } from './throughput.js';

const HERE = dirname(fileURLToPath(import.meta.url));

export function runChild<T>(script: string, arg: unknown, env: NodeJS.ProcessEnv = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(HERE, script), JSON.stringify(arg)], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`bench child ${script} ${JSON.stringify(arg)} exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`bench child ${script} printed no JSON result: ${line.slice(0, 200)}`));
      }
    });
  });
}

export interface MachineThroughput {
  /** worker processes run at once */
  readonly processes: number;
  readonly threadsPerProcess: number;
  /** sum over the processes of each one's median e2e rate */
  readonly e2eTrajPerS: number;
  readonly rawTrajPerS: number | null;
  readonly perProcess: readonly ThroughputResult[];
}

/** `processes` identical measurements at once; the machine's rate is their sum. */
export async function machineThroughput(config: ThroughputConfig, processes: number): Promise<MachineThroughput> {
  const perProcess = await Promise.all(Array.from({ length: processes }, () => runChild<ThroughputResult>('throughput.js', config)));
  const sum = (f: (r: ThroughputResult) => number | null): number | null =>
    perProcess.some((r) => f(r) === null) ? null : perProcess.reduce((a, r) => a + (f(r) ?? 0), 0);
  return { processes, threadsPerProcess: config.threads, e2eTrajPerS: sum((r) => r.e2eTrajPerS) ?? 0, rawTrajPerS: sum((r) => r.rawTrajPerS), perProcess };
}
