/** `qusop coordinator`: farm mode. Serves WorkerService and RunService until signalled (or the run ends). */
import { InputError } from '../worker/common/errors.js';
import { EXIT } from './exit.js';
import { readToken } from '../worker/common/secrets.js';
import { createLogger } from '../worker/common/log.js';
import { writeManifest } from '../coordinator/run/manifest.js';
import { Coordinator } from '../coordinator/server/coordinator.js';
import { openEventBus, registerEventBusMetrics } from '../coordinator/events/open.js';

export interface CoordinatorCommandArgs {
  readonly listen: string;
  readonly scenario?: string | undefined;
  readonly out?: string | undefined;
  readonly outRoot: string;
  readonly allowInsecure: boolean;
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly tileTrajectories?: number | undefined;
  readonly leaseMs: number;
  readonly exitWhenDone: boolean;
  readonly token?: string | undefined;
  /** the submitters' token (QUSOP_ADMIN_TOKEN): SubmitRun, CancelRun; none: both refused */
  readonly adminToken?: string | undefined;
  /** roots for paths named by SubmitRun (none: the working directory) */
  readonly allowedRoots?: readonly string[] | undefined;
  /** NATS URL for run events (none: not published) */
  readonly nats?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
  readonly tlsClientCa?: string | undefined;
  readonly backupMinMs: number;
  readonly backupAfterMedianFactor: number;
  /** SIGTERM: how long to wait for tiles in flight */
  readonly shutdownMs: number;
  readonly verifyFraction: number;
}

const defined = <T extends Record<string, unknown>>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export async function coordinatorCommand(a: CoordinatorCommandArgs): Promise<number> {
  const token = readToken(a.token, 'QUSOP_TOKEN (the workers\' token)', 16);
  // unset or empty: no admin role (SubmitRun and CancelRun refused), the safe side
  const adminToken = (a.adminToken ?? '').trim() === '' ? undefined : readToken(a.adminToken, 'QUSOP_ADMIN_TOKEN (the submitters\' token)', 16);
  const log = createLogger('coordinator');
  const events = openEventBus(a.nats, 'qusop-coordinator', log);
  const c = new Coordinator(
    {
      listen: a.listen, token, allowInsecure: a.allowInsecure, outRoot: a.outRoot, metricsPort: a.metricsPort, metricsHost: a.metricsHost,
      leaseMs: a.leaseMs, heartbeatMs: Math.max(200, Math.floor(a.leaseMs / 5)), backupMinMs: a.backupMinMs, backupAfterMedianFactor: a.backupAfterMedianFactor, verifyFraction: a.verifyFraction,
      ...defined({ tileTrajectories: a.tileTrajectories, tlsCert: a.tlsCert, tlsKey: a.tlsKey, tlsClientCa: a.tlsClientCa, adminToken }),
      allowedRoots: [...(a.allowedRoots ?? [])],
    },
    log,
    events,
  );
  if (events !== undefined) registerEventBusMetrics(c.metrics.registry, events);
  await c.start();
  process.stdout.write(`listening ${a.listen.replace(/:0$/, `:${c.port}`)}\n`);
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  let code: number = EXIT.ok;
  let signalled = false;
  const onSignal = (): void => {
    if (signalled) process.exit(143);
    signalled = true;
    log.info({ boundMs: a.shutdownMs }, 'signal received: no new leases; waiting for tiles in flight, then writing manifests');
    void c.shutdown(a.shutdownMs).then(stop);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (a.scenario !== undefined) {
    const run = await c.submit(a.scenario, a.out);
    log.info({ run: run.runId, dir: run.opts.dir, tiles: run.tiles.length }, 'run submitted');
    run.once('done', () => {
      void writeManifest(run, { mode: 'coordinator' }).then(() => {
        code = run.phase === 'SUCCEEDED' ? 0 : 1;
        log.info({ run: run.runId, phase: run.phase }, 'run ended');
        if (a.exitWhenDone) {
          c.drain();
          // give polling workers a lease period to hear "finished" before the server goes away
          setTimeout(stop, Math.min(5_000, a.leaseMs));
        }
      });
    });
    if (run.phase === 'SUCCEEDED' && a.exitWhenDone) stop();
  }
  await stopped;
  await c.stop();
  // manifests of interrupted runs only now: with the server stopped no late result can still land a
  // shard that the manifest would not count
  if (signalled) {
    for (const run of c.runs.values()) {
      if (!run.active) continue;
      await writeManifest(run, { mode: 'coordinator' });
      // an interrupted run is not a success: exit non-zero so SLURM/Kubernetes see it (resume by restarting)
      const p = run.progress();
      process.stderr.write(`qusop: run ${run.runId} incomplete after the signal: ${p.tilesDone} of ${p.tilesTotal} tiles done (${run.opts.dir}); start the coordinator again with the same scenario and --out to resume\n`);
      code = EXIT.runFailed;
    }
  }
  await events?.close();
  return code;
}
