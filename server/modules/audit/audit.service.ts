import type { EntityManager } from '@mikro-orm/postgresql';
import { cursorPart, decodeCursor, encodeCursor } from '../../shared/cursor';
import { NotFoundError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { AuditEventSchema } from './audit-event.entity';

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

export interface AuditQuery {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Newest first, keyset-paginated on (at, id) so paging stays fast on a long trail. */
export async function listAudit({ em }: Scope, query: AuditQuery) {
  const where: Record<string, unknown> = {};
  for (const key of ['action', 'entityType', 'entityId', 'actorUserId'] as const) {
    if (query[key]) where[key] = query[key];
  }
  const at: Record<string, Date> = {};
  if (query.from) at.$gte = new Date(query.from);
  if (query.to) at.$lte = new Date(query.to);
  if (Object.keys(at).length) where.at = at;
  if (query.cursor) {
    const [instant, cursorId] = decodeCursor(query.cursor, [cursorPart.instant, cursorPart.id]);
    const cursorAt = new Date(instant);
    where.$or = [{ at: { $lt: cursorAt } }, { at: cursorAt, id: { $lt: cursorId } }];
  }
  const rows = await em.find(AuditEventSchema, where, { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => ({ ...row, at: row.at.toISOString() })),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.at.toISOString(), last.id) : null,
  };
}

/** The subjects whose whole trail an org_admin may export. */
export type ExportSubject = 'Patient' | 'LabCase';

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
 * Which audit rows belong to a subject's trail: its own rows, searches that listed it, and rows
 * about the records that hang off it (a patient's appointments, visits, vitals, consultations,
 * prescriptions, dispensing, treatments, notifications and portal login; a case's attachments and
 * notifications). `?` binds the org, then the subject id, as often as the text asks for them, in
 * that order.
 */
const trails: Record<ExportSubject, { exists: string; rows: string }> = {
  Patient: {
    exists: 'select 1 from patients where org_id = ? and id = ?',
    rows: `
      with subject as (select ?::uuid as org_id, ?::uuid as id),
      appointments_of as (select a.id from appointments a, subject s where a.org_id = s.org_id and a.patient_id = s.id),
      visits_of as (select v.id from visits v, subject s where v.org_id = s.org_id and v.patient_id = s.id),
      prescriptions_of as (select p.id from prescriptions p where p.visit_id in (select id from visits_of))
      select e.* from audit_events e, subject s where e.org_id = s.org_id and (
           (e.entity_type = 'Patient' and e.entity_id = s.id::text)
        or (e.entity_type = 'Patient' and e.entity_ids <> '{}' and e.entity_ids @> array[s.id::text])
        or (e.entity_type = 'Appointment' and e.entity_id in (select id::text from appointments_of))
        or (e.entity_type = 'Visit' and e.entity_id in (select id::text from visits_of))
        or (e.entity_type = 'PatientVitals' and e.entity_id in (select id::text from patient_vitals where visit_id in (select id from visits_of)))
        or (e.entity_type = 'ConsultationSession' and e.entity_id in (select id::text from consultation_sessions where visit_id in (select id from visits_of)))
        or (e.entity_type = 'Prescription' and e.entity_id in (select id::text from prescriptions_of))
        or (e.entity_type = 'PrescriptionItem' and e.entity_id in (select id::text from prescription_items where prescription_id in (select id from prescriptions_of)))
        or (e.entity_type = 'DispenseRecord' and e.entity_id in (select id::text from dispense_records where prescription_id in (select id from prescriptions_of)))
        or (e.entity_type = 'TreatmentRecord' and e.entity_id in (select t.id::text from treatment_records t where t.org_id = s.org_id and t.patient_id = s.id))
        or (e.entity_type = 'Notification' and e.entity_id in (select n.id::text from notifications n where n.org_id = s.org_id
              and ((n.subject_type = 'Appointment' and n.subject_id in (select id from appointments_of)) or (n.subject_type = 'Visit' and n.subject_id in (select id from visits_of)))))
        or (e.entity_type = 'Membership' and e.entity_id in (select m.id::text from memberships m join patients p on p.user_id = m.user_id where m.org_id = s.org_id and p.id = s.id))
      )`,
  },
  LabCase: {
    exists: 'select 1 from lab_cases where org_id = ? and id = ?',
    rows: `
      with subject as (select ?::uuid as org_id, ?::uuid as id)
      select e.* from audit_events e, subject s where e.org_id = s.org_id and (
           (e.entity_type = 'LabCase' and e.entity_id = s.id::text)
        or (e.entity_type = 'CaseAttachment' and e.entity_id in (select a.id::text from case_attachments a where a.org_id = s.org_id and a.case_id = s.id))
        or (e.entity_type = 'Notification' and e.entity_id in (select n.id::text from notifications n where n.org_id = s.org_id and n.subject_type = 'LabCase' and n.subject_id = s.id))
      )`,
  },
};

interface TrailRow {
  id: string;
  at: Date | string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  actor_user_id: string | null;
  actor_name: string | null;
  actor_role: string | null;
  changed_fields: string[];
  request_id: string | null;
  ip: string | null;
}

/**
 * The whole trail of one patient (every change, and every staff read: who looked at whom) or one
 * lab case, oldest first. A subject of another org, or none, is 404; a deleted case keeps its trail.
 * The export is itself audited, so the trail shows who took it.
 */
export async function exportAudit({ em, caller }: Scope, subject: { entityType: ExportSubject; entityId: string }, format: 'json' | 'csv') {
  const trail = trails[subject.entityType];
  const connection = em.getConnection();
  const rows = await connection.execute<TrailRow[]>(
    `with trail as (${trail.rows})
     select t.id, t.at, t.action, t.entity_type, t.entity_id, t.actor_user_id, u.name as actor_name, t.actor_role, t.changed_fields, t.request_id, t.ip
       from trail t left join users u on u.id = t.actor_user_id
      order by t.at, t.id`,
    [caller.orgId, subject.entityId],
  );
  if (rows.length === 0) {
    const [found] = await connection.execute(trail.exists, [caller.orgId, subject.entityId]);
    if (!found) throw new NotFoundError(subject.entityType === 'Patient' ? 'Patient' : 'Lab case');
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
