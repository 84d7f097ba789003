/** What the router intends to do to one ticket in HEAT (planned purely, applied by actions/). */
export interface ActionNote {
  subject: string;
  body: string;
  /** Journal category, "Memo" by default in HEAT. */
  category: string;
  /** Always false for our notes: internal, not shown to the requester. */
  publishToWeb: false;
}

export type PlanKind = 'noop' | 'tag' | 'move' | 'restrict' | 'override';

export interface ActionPlan {
  recId: string;
  incidentNumber?: number;
  kind: PlanKind;
  /** Field name -> new value; one PATCH carries all of them. Empty when nothing differs. */
  fields: Record<string, unknown>;
  /** The team the ticket will end with, when we move it. */
  moveTo: string | null;
  note: ActionNote | null;
  /** Short machine-readable reasons for the plan, for logs and dry runs (no ticket text). */
  why: string[];
}

export interface ApplyResult {
  recId: string;
  patched: boolean;
  noted: boolean;
  /** LastModDateTime of the record after our write (or as read, when nothing was written). */
  lastModDateTime: string | null;
  heatCalls: number;
}
