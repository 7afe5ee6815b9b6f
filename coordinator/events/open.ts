/** Choosing the event bus for a coordinator from its options: a NATS URL, or none (events not published). */
import type { Logger } from '../../worker/common/log.js';
import type { EventBus } from './bus.js';
import { NatsEventBus } from './nats-bus.js';

export { registerEventBusMetrics } from './metrics.js';

/** Returns at once; the NATS connection is made in the background (an unreachable server is logged, not thrown). */
export function openEventBus(natsUrl: string | undefined, clientName: string, log: Logger): EventBus | undefined {
  if (natsUrl === undefined || natsUrl === '') return undefined;
  return NatsEventBus.open(natsUrl, { name: clientName }, log.child({ component: 'events' }));
}
