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
  /** decisionFingerprint() of the decision applied (also the marker that identifies our note). */
  fingerprint?: string;
  /**
   * 'create': write the note (after checking for its marker on a retry). 'if-missing': the ticket already
   * shows our move, so the note was written unless a previous attempt died between PATCH and note:
   * only a retry (attempt > 1) looks for it and writes it when absent.
   */
  noteMode?: 'create' | 'if-missing';
  /** A person moved the ticket away from our routing: from = our team, to = theirs. */
  override?: { from: string; to: string } | null;
  /** The decision was restricted (gradebook work). */
  restricted?: boolean;
  /** LastModDateTime of the ticket as read (returned by applyActions when nothing is written). */
  lastModDateTime?: string | null;
  /** Name of the field that marks our routing (routing.yaml fields.routedTo). */
  routedToField?: string;
  /** Name of the classification-time field (routing.yaml fields.classifiedAt). */
  classifiedAtField?: string;
}

export interface ApplyResult {
  recId: string;
  patched: boolean;
  noted: boolean;
  /** LastModDateTime of the record after our write (or as read, when nothing was written). */
  lastModDateTime: string | null;
  heatCalls: number;
  /** True when nothing was sent because the caller asked for a dry run. */
  dryRun?: boolean;
  /** The note was due but a note with the same decision marker already existed (retry after a crash). */
  noteFound?: boolean;
  /** The record as HEAT returned it after our PATCH (absent when nothing was written). */
  written?: Record<string, unknown>;
  /** The fields that PATCH carried (the plan's, or fewer when HEAT refused the move). */
  sent?: Record<string, unknown>;
  /** HEAT refused the move (see moveRefusal); only the tags were written. */
  moveRefused?: boolean;
  /** Why HEAT refused the move, when it did. */
  moveRefusal?: MoveRefusal;
}

/**
 * Why HEAT refused a move whose tags were then written alone: the tenant requires an Owner, or HEAT
 * does not know the destination team or owner ("not in the validation list": our configuration).
 */
export type MoveRefusal = 'owner_required' | 'unknown_destination';
