/**
 * Test kit: farm mode with real processes — one `qusop coordinator` on a fixed free loopback port (so
 * it can be killed and restarted on the same address) and any number of `qusop worker` processes.
 */
import { startCli, type RunningCli } from './cli.js';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export { freePort } from './ports.js';

export interface FarmOptions {
  readonly scenario: string;
  readonly out: string;
  readonly port: number;
  readonly leaseMs?: number;
  readonly tileTrajectories?: number;
  readonly extraArgs?: readonly string[];
  readonly env?: Record<string, string>;
}

export function startCoordinator(o: FarmOptions): RunningCli {
  return startCli(
    [
      'coordinator', '--scenario', o.scenario, '--out', o.out, '--listen', `127.0.0.1:${o.port}`, '--metrics-port', '0', '--exit-when-done',
      '--lease-ms', String(o.leaseMs ?? 30_000), ...(o.tileTrajectories === undefined ? [] : ['--tile-trajectories', String(o.tileTrajectories)]),
      ...(o.extraArgs ?? []),
    ],
    { env: { QUSOP_TOKEN: TEST_TOKEN, QUSOP_LOG_LEVEL: 'info', ...o.env }, timeoutMs: 300_000 },
  );
}

export function startWorker(port: number, name: string, env: Record<string, string> = {}, extraArgs: readonly string[] = []): RunningCli {
  return startCli(['worker', '--coordinator', `127.0.0.1:${port}`, '--name', name, ...extraArgs], {
    env: { QUSOP_TOKEN: TEST_TOKEN, QUSOP_LOG_LEVEL: 'info', ...env },
    timeoutMs: 300_000,
  });
}

export async function waitUntil(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
