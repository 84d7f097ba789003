/**
 * An error answered in HEAT's body shape {code, description, message[], help} (docs/heat-api.md §10); clients
 * parse exactly these keys.
 */
export class HeatError extends Error {
  readonly status: number;
  readonly code: string;
  readonly description: string;
  readonly messages: string[];

  constructor(status: number, code: string, description: string, messages: string[] = []) {
    super(messages[0] ?? description);
    this.name = 'HeatError';
    this.status = status;
    this.code = code;
    this.description = description;
    this.messages = messages;
  }

  body(): { code: string; description: string; message: string[]; help: string } {
    return { code: this.code, description: this.description, message: this.messages, help: '' };
  }
}

/** 400 ISM_4000, HEAT's answer to almost every bad request. */
export function badRequest(description: string, ...messages: string[]): HeatError {
  return new HeatError(400, 'ISM_4000', description, messages);
}

export const INVALID_FILTER_MESSAGE = 'Invalid Filter Value. Provide a valid Filter value and try again';
