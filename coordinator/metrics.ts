/**
 * Coordinator Prometheus metrics. The names are a contract: deploy/ dashboards and alert rules use
 * them, and a test checks that every query there names a metric defined here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createCoordinatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'qusop_coordinator_process_' });
  const r = [registry];
  return {
    registry,
    trajectories: new Counter({ name: 'qusop_trajectories_total', help: 'Trajectories in accepted tile results', labelNames: ['run'], registers: r }),
    tilesCompleted: new Counter({ name: 'qusop_tiles_completed_total', help: 'Tile results accepted', labelNames: ['run'], registers: r }),
    tiles: new Gauge({ name: 'qusop_tiles', help: 'Tiles by state', labelNames: ['run', 'state'], registers: r }),
    tileLatency: new Histogram({
      name: 'qusop_tile_latency_seconds',
      help: 'Lease-to-accept latency of tiles',
      labelNames: ['run'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers: r,
    }),
    leaseExpiries: new Counter({ name: 'qusop_lease_expiries_total', help: 'Leases that passed their deadline', labelNames: ['run'], registers: r }),
    retries: new Counter({ name: 'qusop_tile_retries_total', help: 'Tiles re-queued after a failure or expiry', labelNames: ['run'], registers: r }),
    backups: new Counter({ name: 'qusop_tile_backups_total', help: 'Backup copies of straggling tiles issued', labelNames: ['run'], registers: r }),
    backupsWon: new Counter({ name: 'qusop_tile_backups_won_total', help: 'Tiles whose accepted result came from a backup copy', labelNames: ['run'], registers: r }),
    determinismAlarms: new Counter({ name: 'qusop_determinism_alarms_total', help: 'Duplicate tile results that differed from the accepted one', labelNames: ['run'], registers: r }),
    workersConnected: new Gauge({ name: 'qusop_workers_connected', help: 'Workers seen within two lease periods', registers: r }),
    queueDepth: new Gauge({ name: 'qusop_queue_depth', help: 'Tiles waiting for a worker', registers: r }),
    runProgress: new Gauge({ name: 'qusop_run_progress_ratio', help: 'Fraction of the run\'s tiles done', labelNames: ['run'], registers: r }),
  };
}

export type CoordinatorMetrics = ReturnType<typeof createCoordinatorMetrics>;

/**
 * Creates a run's counter and histogram series at 0 when the run starts. Prometheus only sees a
 * series once it exists: without this, a run's first lease expiry or retry would be the series'
 * first sample, which increase() and rate() cannot count, and panels would show "no data" instead
 * of 0 for a healthy run. (The run's gauges are set by its first progress report.)
 */
export function startRunSeries(m: CoordinatorMetrics, run: string): void {
  for (const counter of [m.trajectories, m.tilesCompleted, m.leaseExpiries, m.retries, m.backups, m.backupsWon, m.determinismAlarms]) counter.inc({ run }, 0);
  m.tileLatency.zero({ run });
}
