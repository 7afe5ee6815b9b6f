/**
 * Test kit: a real nats-server with JetStream on loopback for one test — OS-chosen ports (read back
 * from the server's log, so there is no free-port race), a temp store directory, a health wait on
 * /healthz?js-enabled-only=true, and teardown that leaves no process or file behind.
 * The binary comes from Debian's `nats-server` package (.ci/apt-packages).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  readonly monitorUrl: string;
  readonly storeDir: string;
  readonly child: ChildProcess;
  /** stops the server (SIGTERM, then SIGKILL after 3 s); the store directory stays for a restart */
  stop(): Promise<void>;
  /** stops the server and removes its store directory */
  dispose(): Promise<void>;
}

export function natsServerBinary(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  return dirs.map((d) => join(d, 'nats-server')).find((p) => existsSync(p));
}

/** For `test(..., { skip })`: a reason to skip on a developer machine without nats-server; never skips in CI. */
export function skipWithoutNats(): string | false {
  if (natsServerBinary() !== undefined || process.env['CI'] === 'true') return false;
  return 'nats-server is not installed (apt-get install nats-server); CI installs it from .ci/apt-packages';
}

export interface StartNatsOptions {
  /** reuse a port (restart after stop()); default: the OS picks one */
  readonly port?: number;
  /** reuse a store directory (restart keeps the stream) */
  readonly storeDir?: string;
  readonly readyTimeoutMs?: number;
}

export async function startNatsServer(o: StartNatsOptions = {}): Promise<NatsServer> {
  const bin = natsServerBinary();
  if (bin === undefined) throw new Error('nats-server not found on PATH or in /usr/sbin: apt-get install nats-server');
  const storeDir = o.storeDir ?? (await mkdtemp(join(tmpdir(), 'qusop-nats-')));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', String(o.port ?? -1), '-m', '-1', '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(t);
  };
  try {
    const ports = await new Promise<{ client: number; monitor: number }>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`nats-server did not report its ports within 10 s; log:\n${log}`)), o.readyTimeoutMs ?? 10_000);
      child.once('exit', (code) => { clearTimeout(t); fail(new Error(`nats-server exited (${code}); log:\n${log}`)); });
      child.stderr?.on('data', (b: Buffer) => {
        log += b.toString();
        const client = /Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1];
        const monitor = /Starting http monitor on [^\s]+:(\d+)/.exec(log)?.[1];
        if (client !== undefined && monitor !== undefined) {
          clearTimeout(t);
          ok({ client: Number(client), monitor: Number(monitor) });
        }
      });
    });
    const monitorUrl = `http://127.0.0.1:${ports.monitor}`;
    await waitHealthy(`${monitorUrl}/healthz?js-enabled-only=true`, o.readyTimeoutMs ?? 10_000);
    return {
      url: `nats://127.0.0.1:${ports.client}`, port: ports.client, monitorUrl, storeDir, child, stop,
      dispose: async () => {
        await stop();
        if (o.storeDir === undefined) await rm(storeDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stop();
    if (o.storeDir === undefined) await rm(storeDir, { recursive: true, force: true });
    throw err;
  }
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const res = await fetch(url).catch((err: unknown) => ((last = String(err)), undefined));
    if (res?.ok === true) return;
    if (res !== undefined) last = `${res.status} ${await res.text()}`;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`nats-server not healthy at ${url} within ${timeoutMs} ms: ${last}`);
}
