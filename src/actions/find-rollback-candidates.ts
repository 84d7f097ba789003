import type { FilterDateFormat, HeatClient } from '../heat/index.js';
import { and, eq, filterSince, NOTES_SET } from '../heat/index.js';
import { hasRollbackMarker, routingNoteVersion, type RollbackNote } from './plan-rollback.js';

export interface RollbackQuery {
  /** The withdrawn policy version (SBT_PolicyVersion as it was written). */
  version: string;
  sinceMs: number;
  /** service.yaml heat.incidentSet. */
  incidentSet: string;
  /** routing.yaml fields.policyVersion; null when the tenant lacks the field. */
  policyVersionField: string | null;
  filterDateFormat?: FilterDateFormat;
}

export interface RollbackCandidates {
  /** RecIds in a stable order: the tickets the version tagged, then those only its notes name. */
  recIds: string[];
  /** Our notes written since the date, by parent RecId (upper case). */
  notesByTicket: Map<string, RollbackNote[]>;
  /** How many tickets carry the version in SBT_PolicyVersion; how many of the version's notes were found. */
  tagged: number;
  versionNotes: number;
}

const key = (recId: unknown): string => String(recId ?? '').toUpperCase();

/**
 * The tickets a policy version touched since a date, read from HEAT before anything is written (our
 * own writes change SBT_PolicyVersion, and $skip paging over a changing result would skip records):
 *
 * - incidents with `SBT_PolicyVersion eq VERSION` modified since the date (tagged by it);
 * - journal notes created since the date that are routing notes of ours citing VERSION (moved by it,
 *   even when a later run has re-tagged the ticket since). The same read keeps every note of ours
 *   since the date (the correcting notes included), so no ticket needs a notes query of its own.
 */
export async function findRollbackCandidates(
  heat: HeatClient,
  q: RollbackQuery,
): Promise<RollbackCandidates> {
  const order: string[] = [];
  const seen = new Set<string>();
  const add = (recId: string): void => {
    if (seen.has(key(recId))) return;
    seen.add(key(recId));
    order.push(recId);
  };
  let tagged = 0;
  if (q.policyVersionField) {
    for await (const page of heat.pages(q.incidentSet, {
      filter: and(
        eq(q.policyVersionField, q.version),
        filterSince('LastModDateTime', q.sinceMs, q.filterDateFormat),
      ),
      select: ['RecId'],
      orderby: 'LastModDateTime asc,RecId asc',
    })) {
      for (const r of page) {
        tagged += 1;
        add(String(r.RecId));
      }
    }
  }
  const notesByTicket = new Map<string, RollbackNote[]>();
  const moved: string[] = [];
  let versionNotes = 0;
  for await (const page of heat.pages(NOTES_SET, {
    filter: filterSince('CreatedDateTime', q.sinceMs, q.filterDateFormat),
    select: ['RecId', 'ParentLink_RecID', 'Subject', 'NotesBody', 'CreatedDateTime'],
    orderby: 'CreatedDateTime asc,RecId asc',
  })) {
    for (const n of page) {
      const body = String(n.NotesBody ?? '');
      const cited = routingNoteVersion(body);
      if (cited === null && !hasRollbackMarker(body, q.version)) continue;
      const parent = String(n.ParentLink_RecID ?? '');
      if (parent === '') continue;
      const createdMs = Date.parse(String(n.CreatedDateTime ?? ''));
      const note: RollbackNote = {
        subject: String(n.Subject ?? ''),
        body,
        createdMs: Number.isNaN(createdMs) ? null : createdMs,
      };
      // A filter written as a date ('date' format) reads a day early: the date is checked here.
      const byVersion = cited === q.version;
      if (byVersion && note.createdMs !== null && note.createdMs < q.sinceMs) continue;
      const list = notesByTicket.get(key(parent)) ?? [];
      list.push(note);
      notesByTicket.set(key(parent), list);
      if (byVersion) {
        versionNotes += 1;
        moved.push(parent);
      }
    }
  }
  for (const recId of moved) add(recId);
  return { recIds: order, notesByTicket, tagged, versionNotes };
}
