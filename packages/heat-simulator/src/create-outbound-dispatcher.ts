import type { HeatRecord } from './heat-record.js';
import { renderBodyTemplate } from './render-body-template.js';
import type { OutboundRule } from './simulator-types.js';

export const DEFAULT_OUTBOUND_BODY = '{"RecId":"{{RecId}}","IncidentNumber":{{IncidentNumber}}}';
/** Short timeout: a HEAT business rule does not wait long on an external service. */
const OUTBOUND_TIMEOUT_MS = 2000;

export interface OutboundCounts {
  sent: number;
  ok: number;
  failed: number;
}

export interface OutboundDispatcher {
  rules(): OutboundRule[];
  add(input: unknown): OutboundRule;
  clear(): void;
  /** Fire and forget: POSTs to every matching rule; never throws. */
  fire(change: 'create' | 'update', record: HeatRecord): void;
  counts(): OutboundCounts;
  resetCounts(): void;
  /** Resolves when every POST in flight has finished (for tests and shutdown). */
  idle(): Promise<void>;
}

/**
 * HEAT has no outbound webhook subscription API; an admin configures a business rule that POSTs on save,
 * with whatever URL, headers and body they script (docs/heat-api.md §12). This models that rule.
 */
export function createOutboundDispatcher(): OutboundDispatcher {
  let rules: OutboundRule[] = [];
  let nextId = 1;
  const counts: OutboundCounts = { sent: 0, ok: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();

  return {
    rules: () => rules.map((r) => ({ ...r, on: [...r.on], headers: { ...r.headers } })),
    add(input) {
      if (typeof input !== 'object' || input === null)
        throw new Error('body must be an object {url, on, headers, bodyTemplate}');
      const body = input as Record<string, unknown>;
      if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) {
        throw new Error("'url' must be an http(s) URL, e.g. http://127.0.0.1:3000/webhooks/heat");
      }
      const on = body.on === undefined ? ['create', 'update'] : body.on;
      if (!Array.isArray(on) || on.length === 0 || on.some((e) => e !== 'create' && e !== 'update')) {
        throw new Error("'on' must be a non-empty list of 'create' and/or 'update'");
      }
      const headers = body.headers ?? {};
      if (
        typeof headers !== 'object' ||
        headers === null ||
        Object.values(headers).some((v) => typeof v !== 'string')
      ) {
        throw new Error("'headers' must be an object of string values");
      }
      const bodyTemplate = body.bodyTemplate ?? DEFAULT_OUTBOUND_BODY;
      if (typeof bodyTemplate !== 'string') throw new Error("'bodyTemplate' must be a string");
      const rule: OutboundRule = {
        id: String(nextId),
        url: body.url,
        on: on as Array<'create' | 'update'>,
        headers: headers as Record<string, string>,
        bodyTemplate,
      };
      nextId += 1;
      rules.push(rule);
      return rule;
    },
    clear() {
      rules = [];
    },
    fire(change, record) {
      for (const rule of rules) {
        if (!rule.on.includes(change)) continue;
        const payload = renderBodyTemplate(rule.bodyTemplate, record);
        counts.sent += 1;
        const p = fetch(rule.url, {
          method: 'POST',
          // Header names are case-insensitive: the rule's own Content-Type replaces the default.
          headers: {
            'content-type': 'application/json',
            ...Object.fromEntries(Object.entries(rule.headers).map(([k, v]) => [k.toLowerCase(), v])),
          },
          body: payload,
          signal: AbortSignal.timeout(OUTBOUND_TIMEOUT_MS),
        })
          .then(async (res) => {
            await res.arrayBuffer().catch(() => undefined);
            if (res.ok) counts.ok += 1;
            else counts.failed += 1;
          })
          .catch(() => {
            counts.failed += 1;
          })
          .finally(() => {
            inFlight.delete(p);
          });
        inFlight.add(p);
      }
    },
    counts: () => ({ ...counts }),
    resetCounts() {
      counts.sent = 0;
      counts.ok = 0;
      counts.failed = 0;
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}
