import { hostname } from 'node:os';

/**
 * This process's name as BullMQ stores it on every job it processes (`processedBy`), so that the
 * dashboard and `sbt-router status` show which replica ran a job: host name and process id.
 */
export function replicaName(): string {
  return `${hostname()}:${process.pid}`;
}
