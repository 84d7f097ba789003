import type { Logger } from '../observability/index.js';

/** BullMQ on a Redis Cluster needs every key of a queue in one slot: a {hash tag} in the prefix. */
export function warnUntaggedPrefix(prefix: string, logger: Logger): void {
  if (/\{[^}]+\}/.test(prefix)) return;
  logger.warn('queue.prefix has no {hash tag}: BullMQ fails with CROSSSLOT on a Redis Cluster', {
    event: 'queue_prefix_untagged',
    prefix,
    fix: "write it with braces, e.g. queue.prefix: '{sbt}'",
  });
}
