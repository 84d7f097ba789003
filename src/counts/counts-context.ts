import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../config/index.js';
import type { HeatClient } from '../heat/index.js';
import type { Logger } from '../observability/index.js';
import type { CountFieldNames } from './count-field-values.js';
import type { CountsKeys } from './counts-keys.js';
import type { MoveTicketCount } from './move-ticket-count.js';

/** Incident tag fields that reconcile reads (routing.yaml `fields`). */
export interface TicketTagFields {
  category: string;
  scope: string;
}

/** What the parts of the counts service share. */
export interface CountsContext {
  redis: Redis;
  heat: HeatClient;
  logger: Logger;
  counts: ServiceConfig['counts'];
  heatConfig: Pick<ServiceConfig['heat'], 'incidentSet' | 'schoolSet' | 'pageSize' | 'filterDateFormat'>;
  keys: CountsKeys;
  fields: CountFieldNames;
  tags: TicketTagFields;
  now: () => Date;
  /** The period that school records show: the one `now` falls in. */
  currentPeriod: () => string;
  moveTicketCount: MoveTicketCount;
  /** How long a school's write lease lasts unless renewed (write-school-counts.ts); default 10 s. */
  writeLeaseMs?: number;
}
