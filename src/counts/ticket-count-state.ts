import { SEP } from './counts-keys.js';

/** A ticket's counted state. */
export interface TicketCountState {
  period: string;
  school: string;
  category: string;
  scope: string;
}

export function encodeTicketState(state: TicketCountState): string {
  return [state.period, state.school, state.category, state.scope].join(SEP);
}

export function decodeTicketState(text: string): TicketCountState | null {
  const [period, school, category, scope] = text.split(SEP);
  if (period === undefined || school === undefined || category === undefined || scope === undefined)
    return null;
  return { period, school, category, scope };
}

/** Hash field of a state inside its period's hash. */
export function countField(state: Pick<TicketCountState, 'school' | 'category' | 'scope'>): string {
  return [state.school, state.category, state.scope].join(SEP);
}
