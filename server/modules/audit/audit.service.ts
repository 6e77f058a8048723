import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import type { Role } from '../../../workflows/roles';
import { cursorPart, decodeCursor, encodeCursor } from '../../shared/cursor';
import { NotFoundError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { dayBounds } from '../appointments/clinic-calendar';
import { recordRead } from './audit-actions';
import { AuditEventSchema } from './audit-event.entity';
import { aboutPatient, patientName, rowWords, subjectExists, timelineRows, trailRows, type AuditRow, type ExportSubject, type RowWords, type Sql } from './audit.repository';
import type { AuditEntryBody, AuditListQuery as AuditListQuerySchema, AuditPageBody } from './audit.schemas';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  /** The records a read showed when it showed several (a search's results), with entityId null. */
  entityIds?: string[];
  changedFields?: string[];
  /** Defaults to the caller's org; set for platform actions such as creating an org. */
  orgId?: string | null;
}

/**
 * Queues an audit row in the caller's unit of work, so it commits or rolls back with the change
 * it describes.
 */
export function recordAudit(em: EntityManager, caller: Caller | null, entry: AuditEntry): void {
  em.create(AuditEventSchema, {
    orgId: entry.orgId === undefined ? (caller?.orgId ?? null) : entry.orgId,
    actorUserId: caller?.userId ?? null,
    actorRole: caller?.role ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    entityIds: entry.entityIds ?? [],
    changedFields: entry.changedFields ?? [],
    requestId: caller?.requestId ?? null,
    ip: caller?.ip ?? null,
  });
}

export type AuditListQuery = Static<typeof AuditListQuerySchema>;
export type TimelineEntry = Static<typeof AuditEntryBody>;
export type AuditPage = Static<typeof AuditPageBody>;

/** Reads of one record by one person this close together (from the newest) fold into one entry. */
const readRunSpanMs = 30 * 60_000;
const readsListedPerEntry = 100;
/** Who may see the names of the patients the trail is about; everyone else sees that a patient was. */
const patientNamesFor: readonly Role[] = ['org_admin'];

/**
 * The org's trail as a timeline, newest first: each row with its actor's name, its patient (by name
 * for those allowed) or other subject in words, and a staff member's consecutive reads of one
 * patient's record (nothing else between them in the list as filtered) folded into one entry. Filters (patient, actor, action, day in the org's zone,
 * entity, instants) are applied in the database; a patient of another org, or none, is 404.
 *
 * Reads are folded here, page by page, rather than in the browser: a page ends after a whole entry
 * (the cursor is its oldest row, and the rows after it are read until the next entry begins), so the
 * next page starts a new entry exactly where one reading of the whole trail would, and a run of
 * reads is never split across pages or counted twice.
 */
export async function listAudit({ em, caller }: Scope, query: AuditListQuery): Promise<AuditPage> {
  const withNames = patientNamesFor.includes(caller.role);
  let patient: AuditPage['patient'];
  if (query.patientId) {
    const name = await patientName(em, caller.orgId, query.patientId);
    if (name === undefined) throw new NotFoundError('Patient');
    patient = { id: query.patientId, name: withNames ? name : null };
  }
  const filters = timelineFilters(caller, query);
  let after = query.cursor ? cursorRow(query.cursor) : null;
  const entries: AuditRow[][] = [];
  let more = false;
  const batch = Math.max(query.limit + 1, 100);
  scan: for (;;) {
    const rows = await timelineRows(em, caller.orgId, filters, after, batch);
    for (const row of rows) {
      const open = entries.at(-1);
      if (open && continuesReads(open, row)) open.push(row);
      else if (entries.length === query.limit) {
        more = true;
        break scan;
      } else entries.push([row]);
    }
    if (rows.length < batch) break;
    const last = rows.at(-1)!;
    after = { at: last.at.toISOString(), id: last.id };
  }
  const words = new Map((await rowWords(em, caller.orgId, entries.map((rows) => rows[0]!.id), withNames)).map((w) => [w.id, w]));
  const oldest = entries.at(-1)?.at(-1);
  return {
    items: entries.map((rows) => timelineEntry(rows, words.get(rows[0]!.id)!, patient)),
    nextCursor: more && oldest ? encodeCursor(oldest.at.toISOString(), oldest.id) : null,
    ...(patient ? { patient } : {}),
  };
}

function cursorRow(cursor: string): { at: string; id: string } {
  const [at, id] = decodeCursor(cursor, [cursorPart.instant, cursorPart.id]);
  return { at, id };
}

function timelineFilters(caller: Caller, query: AuditListQuery): Sql[] {
  const filters: Sql[] = [];
  if (query.patientId) filters.push(aboutPatient(caller.orgId, query.patientId));
  if (query.actorUserId) filters.push({ text: 'e.actor_user_id = ?', values: [query.actorUserId] });
  if (query.action) filters.push({ text: 'e.action = ?', values: [query.action] });
  if (query.entityType) filters.push({ text: 'e.entity_type = ?', values: [query.entityType] });
  if (query.entityId) filters.push({ text: 'e.entity_id = ?', values: [query.entityId] });
  if (query.day) {
    const { start, end } = dayBounds(query.day, caller.timeZone);
    filters.push({ text: 'e.at >= ?::timestamptz and e.at < ?::timestamptz', values: [start.toISOString(), end.toISOString()] });
  }
  if (query.from) filters.push({ text: 'e.at >= ?::timestamptz', values: [new Date(query.from).toISOString()] });
  if (query.to) filters.push({ text: 'e.at <= ?::timestamptz', values: [new Date(query.to).toISOString()] });
  return filters;
}

/** `row` is one more read of the same patient's record by the same person, within the run's span. */
function continuesReads(run: AuditRow[], row: AuditRow): boolean {
  const newest = run[0]!;
  return (
    newest.action === recordRead &&
    row.action === recordRead &&
    row.actor_user_id !== null &&
    row.actor_user_id === newest.actor_user_id &&
    row.entity_id === newest.entity_id &&
    newest.at.getTime() - row.at.getTime() <= readRunSpanMs
  );
}

function timelineEntry(rows: AuditRow[], words: RowWords, filteredPatient: AuditPage['patient']): TimelineEntry {
  const newest = rows[0]!;
  const oldest = rows.at(-1)!;
  const listedFilteredPatient = newest.entity_ids.length > 0 && filteredPatient !== undefined;
  return {
    id: newest.id,
    orgId: newest.org_id,
    actorUserId: newest.actor_user_id,
    actorRole: newest.actor_role,
    actorName: words.actor_name,
    action: newest.action,
    entityType: newest.entity_type,
    entityId: newest.entity_id,
    entityIds: newest.entity_ids,
    changedFields: [...new Set(rows.flatMap((row) => row.changed_fields))],
    requestId: newest.request_id,
    ip: newest.ip,
    at: newest.at.toISOString(),
    patient: words.patient_id ? { id: words.patient_id, name: words.patient_name } : listedFilteredPatient ? filteredPatient : null,
    subject: words.subject,
    subjectRole: words.subject_role,
    subjectActive: words.subject_active,
    toState: words.to_state,
    reads:
      rows.length > 1
        ? {
            count: rows.length,
            firstAt: oldest.at.toISOString(),
            items: rows.slice(0, readsListedPerEntry).map((row) => ({ id: row.id, at: row.at.toISOString(), sections: row.changed_fields })),
          }
        : null,
  };
}

export interface ExportedAuditEvent {
  id: string;
  at: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actorUserId: string | null;
  actorName: string | null;
  actorRole: string | null;
  changedFields: string[];
  requestId: string | null;
  ip: string | null;
}

/**
 * The whole trail of one patient (every change, and every staff read: who looked at whom) or one
 * lab case, oldest first. A subject of another org, or none, is 404; a deleted case keeps its trail.
 * The export is itself audited, so the trail shows who took it.
 */
export async function exportAudit({ em, caller }: Scope, subject: { entityType: ExportSubject; entityId: string }, format: 'json' | 'csv') {
  const rows = await trailRows(em, subject.entityType, caller.orgId, subject.entityId);
  if (rows.length === 0 && !(await subjectExists(em, subject.entityType, caller.orgId, subject.entityId))) {
    throw new NotFoundError(subject.entityType === 'Patient' ? 'Patient' : 'Lab case');
  }
  recordAudit(em, caller, { action: 'audit.export', entityType: subject.entityType, entityId: subject.entityId, changedFields: [format] });
  await em.flush();
  const items: ExportedAuditEvent[] = rows.map((row) => ({
    id: row.id,
    at: new Date(row.at).toISOString(),
    action: row.action,
    entityType: row.entity_type,
    // A search row names every patient it listed; in one patient's trail it is about that patient,
    // and the others it listed are not the reader's business.
    entityId: row.entity_id ?? subject.entityId,
    actorUserId: row.actor_user_id,
    actorName: row.actor_name,
    actorRole: row.actor_role,
    changedFields: row.changed_fields,
    requestId: row.request_id,
    ip: row.ip,
  }));
  return { entityType: subject.entityType, entityId: subject.entityId, exportedAt: new Date().toISOString(), items };
}

const csvColumns = ['at', 'action', 'entityType', 'entityId', 'actorUserId', 'actorName', 'actorRole', 'changedFields', 'requestId', 'ip', 'id'] as const;

/**
 * RFC 4180 CSV. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: a staff member named "=HYPERLINK(...)" must not become a link in the export.
 */
export function auditCsv(items: ExportedAuditEvent[]): string {
  const cell = (value: unknown): string => {
    let text = Array.isArray(value) ? value.join(';') : value === null || value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [csvColumns.join(','), ...items.map((item) => csvColumns.map((column) => cell(item[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
