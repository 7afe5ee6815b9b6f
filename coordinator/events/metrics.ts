/** Prometheus view of an event bus: `qusop_events_total{result}` — published, duplicate, failed, dropped. */
import { Counter, type Registry } from 'prom-client';
import type { EventBus, EventBusStats } from './bus.js';

const RESULTS = ['published', 'duplicates', 'failed', 'dropped'] as const satisfies readonly (keyof EventBusStats)[];

export function registerEventBusMetrics(registry: Registry, bus: EventBus): void {
  const reported: Record<keyof EventBusStats, number> = { published: 0, duplicates: 0, failed: 0, dropped: 0 };
  const counter = new Counter({
    name: 'qusop_events_total',
    help: 'Run events by outcome on the event bus (failed/dropped: lost to an outage or a full backlog; runs are not affected)',
    labelNames: ['bus', 'result'],
    registers: [registry],
    collect() {
      const s = bus.stats();
      for (const k of RESULTS) {
        if (s[k] > reported[k]) this.inc({ bus: bus.kind, result: k }, s[k] - reported[k]);
        reported[k] = s[k];
      }
    },
  });
  for (const k of RESULTS) counter.inc({ bus: bus.kind, result: k }, 0);
}
