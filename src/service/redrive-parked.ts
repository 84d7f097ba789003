import type { Logger } from '../observability/index.js';
import type { ParkedStore, TicketQueue } from '../queue/index.js';

/**
 * Queues every parked ticket again through the normal ticket queue (after a config reload took effect,
 * and on every backfill); returns their RecIds. A ticket stays parked until its job finishes without HEAT refusing its
 * destination, so one whose destination is still unknown is parked again, never lost.
 */
export async function redriveParked(
  parked: ParkedStore,
  queue: TicketQueue,
  logger: Logger,
  why: 'config_reloaded' | 'backfill',
): Promise<string[]> {
  const recIds = [...(await parked.list()).keys()];
  if (recIds.length === 0) return [];
  await queue.enqueueMany(recIds.map((recId) => ({ recId, source: 'parked' as const })));
  logger.info('parked tickets queued again', { event: 'parked_redriven', tickets: recIds.length, why });
  return recIds;
}
