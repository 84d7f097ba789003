import type { AxiosResponse } from 'axios';
import type { HeatRecord } from '../domain/index.js';
import { HeatApiError } from './heat-api-error.js';

/** One HEAT request as the client sends it. */
export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query?: string;
  body?: unknown;
}

const MAX_MESSAGES = 20;

export function isRecord(value: unknown): value is HeatRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isEmptyBody(data: unknown): boolean {
  return data === undefined || data === null || (typeof data === 'string' && data.trim() === '');
}

/**
 * HEAT's refusal as a HeatApiError: code, description and messages from its JSON (or its text
 * body), each passed through `clean` (entity decoding, secret redaction, length cap).
 */
export function errorFromResponse(
  spec: RequestSpec,
  res: AxiosResponse,
  clean: (text: string) => string,
): HeatApiError {
  const data: unknown = res.data;
  let code: string | undefined;
  let description: string | undefined;
  let messages: string[] = [];
  if (isRecord(data)) {
    if (typeof data['code'] === 'string') code = data['code'];
    if (typeof data['description'] === 'string') description = clean(data['description']);
    const message = data['message'] ?? data['Message'];
    if (Array.isArray(message))
      messages = message.filter((m): m is string => typeof m === 'string').map(clean);
    else if (typeof message === 'string') messages = [clean(message)];
  } else if (typeof data === 'string' && data.trim() !== '') {
    // Some HEAT 500s are HTML-entity-encoded text that may echo session ids (docs/heat-api.md §10).
    messages = [clean(data)];
  }
  return new HeatApiError({
    status: res.status,
    method: spec.method,
    path: spec.path,
    code,
    description,
    messages: messages.filter((m) => m !== '').slice(0, MAX_MESSAGES),
  });
}

/** A request that got no answer (connection refused, reset, timed out): always worth repeating. */
export function errorFromNetwork(
  spec: RequestSpec,
  err: unknown,
  clean: (text: string) => string,
): HeatApiError {
  const e = err as { code?: unknown; message?: unknown };
  const networkCode = typeof e.code === 'string' ? e.code : undefined;
  const text = typeof e.message === 'string' ? clean(e.message) : 'request failed';
  return new HeatApiError({
    status: 0,
    method: spec.method,
    path: spec.path,
    networkCode,
    messages: [text],
    // A timeout means HEAT may still be working on it; like any network failure it is worth repeating.
    retryable: true,
  });
}

/** The rows of a collection answer; refuses an answer that is not an OData collection. */
export function rowsOf(spec: RequestSpec, res: AxiosResponse): HeatRecord[] {
  // "No rows" has several encodings (docs/heat-api.md §5): 204, 200 with an empty body,
  // {"value": []} and {"value": "No instances found."}.
  if (res.status === 204 || isEmptyBody(res.data)) return [];
  const data: unknown = res.data;
  if (typeof data === 'string' && /no instances found/i.test(data)) return [];
  if (isRecord(data)) {
    const value = data['value'];
    if (Array.isArray(value)) return value.filter(isRecord);
    if (typeof value === 'string' || value === null) return [];
  }
  throw new HeatApiError({
    status: res.status,
    method: spec.method,
    path: spec.path,
    messages: ['the answer is not an OData collection ({"value": [...]})'],
    retryable: false,
    fix: 'check HEAT_BASE_URL (on-prem tenants need the /HEAT prefix) and the entity set name',
  });
}

/** The record of a single-record answer; refuses anything else. */
export function recordOf(spec: RequestSpec, res: AxiosResponse): HeatRecord {
  if (isRecord(res.data)) return res.data;
  throw new HeatApiError({
    status: res.status,
    method: spec.method,
    path: spec.path,
    messages: ['the answer is not a business-object record'],
    retryable: false,
    fix: 'check HEAT_BASE_URL (on-prem tenants need the /HEAT prefix) and the entity set name',
  });
}
