/** Worker-side Prometheus metrics (names are part of the dashboard contract in deploy/). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  readonly registry: Registry;
  readonly trajectories: Counter;
  readonly tiles: Counter<'outcome'>;
  readonly tileSeconds: Histogram;
}

/** Every outcome a tile can have on a worker; each series exists at 0 from the start, so rate() and increase() see the first one. */
export const TILE_OUTCOMES = ['completed', 'rejected', 'cancelled', 'failed'] as const;

export function createWorkerMetrics(labels: Record<string, string>): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry, prefix: 'qusop_worker_process_' });
  const tiles = new Counter({ name: 'qusop_worker_tiles_total', help: 'Tiles finished by this worker, by outcome', labelNames: ['outcome'], registers: [registry] });
  for (const outcome of TILE_OUTCOMES) tiles.inc({ outcome }, 0);
  return {
    registry,
    tiles,
    trajectories: new Counter({ name: 'qusop_worker_trajectories_total', help: 'Trajectories evaluated by this worker', registers: [registry] }),
    tileSeconds: new Histogram({
      name: 'qusop_worker_tile_seconds',
      help: 'Compute time per tile on this worker',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
