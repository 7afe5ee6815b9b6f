/**
 * Test kit: runs the real `qusop` CLI (compiled, from dist/) as a child process in a temp directory,
 * with output captured and a hard time limit so a hung run fails the test instead of CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/tests/...). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.js');
export const TEST_MODEL_DIR = join(ROOT, 'models', 'testmodel', 'artifacts');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
  /** resolves when stderr/stdout has matched the pattern */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** what the process wrote to stderr so far */
  stderr(): string;
}

export function startCli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, QUSOP_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i -= 1) {
      const w = waiters[i];
      if (w !== undefined && (w.pattern.test(stdout) || w.pattern.test(stderr))) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  child.stdout?.on('data', (b: Buffer) => { stdout += b.toString(); check(); });
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); check(); });
  const limit = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
  const done = new Promise<CliResult>((r) =>
    child.once('exit', (code, signal) => {
      clearTimeout(limit);
      r({ code, signal, stdout, stderr });
    }),
  );
  return {
    child,
    done,
    stderr: () => stderr,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise<void>((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`timed out waiting for ${pattern}; stderr so far:\n${stderr}`)), timeoutMs);
        waiters.push({ pattern, resolve: () => { clearTimeout(t); ok(); } });
        check();
        void done.then(() => { clearTimeout(t); if (waiters.some((w) => w.pattern === pattern)) fail(new Error(`process exited before ${pattern}; stderr:\n${stderr}`)); });
      }),
  };
}

export function runCli(args: readonly string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return startCli(args, opts).done;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'qusop-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
