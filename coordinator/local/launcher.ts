/**
 * Local mode (`qusop run`): an embedded coordinator on loopback and N worker processes speaking real
 * gRPC to it. A worker that dies is reported to the scheduler at once (its tiles re-queue without
 * waiting for lease expiry) and replaced, up to a bound; the workers end when this process does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { Logger } from '../../worker/common/log.js';
import { PARENT_PIPE_ENV } from '../../worker/parent-pipe.js';
import type { Coordinator } from '../server/coordinator.js';
import type { RunController } from '../run/run-controller.js';

export interface LocalWorkersOptions {
  readonly workers: number;
  readonly executionProvider: 'cpu' | 'cuda';
  readonly maxBatchRows: number;
  readonly intraOpThreads: number;
  readonly workerLogLevel: string;
  /** replacements allowed in total when workers die */
  readonly maxRestarts: number;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The CLI entry point (compiled, top-level `cli/`), which also serves `qusop worker`: a path, not an import. */
export function cliEntry(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'main.js');
}

export class LocalWorkers {
  readonly children = new Map<string, ChildProcess>();
  restarts = 0;
  private seq = 0;
  private stopping = false;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly run: RunController,
    private readonly opts: LocalWorkersOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (let i = 0; i < this.opts.workers; i += 1) this.spawnOne();
  }

  /** Resolves when every worker process has exited. */
  async waitAll(): Promise<void> {
    while (this.children.size > 0) {
      const [first] = this.children.values();
      if (first === undefined) break;
      await new Promise<void>((r) => (first.exitCode !== null || first.signalCode !== null ? r() : first.once('exit', () => r())));
    }
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    this.stopping = true;
    for (const c of this.children.values()) c.kill(signal);
  }

  private spawnOne(): void {
    this.seq += 1;
    const name = `local${this.seq}`;
    const args = [
      cliEntry(), 'worker', '--coordinator', `127.0.0.1:${this.coordinator.port}`, '--name', name,
      '--provider', this.opts.executionProvider, '--max-batch-rows', String(this.opts.maxBatchRows), '--threads', String(this.opts.intraOpThreads),
    ];
    const child = spawn(process.execPath, args, {
      // stdin: a pipe the worker watches, so it exits when this process ends however it ends (parent-pipe.ts)
      stdio: ['pipe', 'ignore', 'inherit'],
      env: { ...process.env, QUSOP_TOKEN: this.coordinator.opts.token, QUSOP_LOG_LEVEL: this.opts.workerLogLevel, [PARENT_PIPE_ENV]: '1' },
    });
    this.children.set(name, child);
    child.once('exit', (code, signal) => {
      this.children.delete(name);
      if (code === 0 || this.stopping) return;
      this.log.warn({ worker: name, code, signal }, 'worker process died; its tiles go back to the queue');
      this.coordinator.workerLostByName(name);
      if (this.run.active && this.restarts < this.opts.maxRestarts) {
        this.restarts += 1;
        this.spawnOne();
      }
    });
  }
}
