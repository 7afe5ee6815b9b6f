/**
 * Test kit: a real Prometheus (Debian's `prometheus`, 2.42) on a free loopback port with a temp
 * storage directory, started from a config object, ready when /-/ready answers, stopped with
 * SIGTERM (SIGKILL after 5 s) and its directory removed. Also runs promtool. Both binaries come from
 * apt (.ci/apt-packages); a missing binary fails the test with the install line, never a skip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ToolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (bounded by timeoutMs); ENOENT becomes an error naming the apt package. */
export function runTool(command: string, args: readonly string[], opts: { cwd?: string; timeoutMs?: number; aptPackage?: string } = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const limit = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(limit);
      reject(err.code === 'ENOENT' ? new Error(`${command} not found: apt-get install ${opts.aptPackage ?? command} (listed in .ci/apt-packages)`) : err);
    });
    child.once('close', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

export function promtool(args: readonly string[], cwd?: string): Promise<ToolResult> {
  return runTool('promtool', args, { aptPackage: 'prometheus', ...(cwd === undefined ? {} : { cwd }) });
}

import { freePort } from './ports.js';
export { freePort };

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

export interface PrometheusServer {
  readonly url: string;
  readonly dir: string;
  /** GET /api/v1/<path>; throws unless the API answers status "success" */
  api<T = unknown>(path: string, params?: Record<string, string>): Promise<T>;
  /** instant query; returns the vector (throws for any other result type) */
  query(expr: string): Promise<VectorSample[]>;
  /** Prometheus' own log so far (for failure messages) */
  log(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(config: Record<string, unknown>, opts: { readyTimeoutMs?: number } = {}): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-prometheus-'));
  const configPath = join(dir, 'prometheus.yml');
  await writeFile(configPath, stringify(config));
  try {
    return await launch(dir, configPath, opts.readyTimeoutMs ?? 20_000);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function launch(dir: string, configPath: string, readyTimeoutMs: number): Promise<PrometheusServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${configPath}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  const keep = (b: Buffer): void => {
    log = (log + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new Error('prometheus not found: apt-get install prometheus (listed in .ci/apt-packages)') : err)),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`prometheus exited before it was ready (code ${child.exitCode}):\n${log}`);
    }
    const ready = await Promise.race([fetch(`${url}/-/ready`).then((r) => r.ok, () => false), spawnError]);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after ${readyTimeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const api = async <T>(path: string, params: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params).toString()}`);
    const body = (await res.json()) as { status: string; data: T; error?: string; errorType?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.errorType ?? ''} ${body.error ?? ''}`);
    return body.data;
  };
  return {
    url,
    dir,
    api,
    query: async (expr) => {
      const data = await api<{ resultType: string; result: VectorSample[] }>('query', { query: expr });
      if (data.resultType !== 'vector') throw new Error(`query ${expr}: expected a vector, got ${data.resultType}`);
      return data.result;
    },
    log: () => log,
    stop,
  };
}

/** Polls `probe` every intervalMs until it returns a value other than undefined, or throws after timeoutMs. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
