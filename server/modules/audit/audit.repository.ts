import type { EntityManager } from '@mikro-orm/postgresql';

/** A piece of SQL with its `?` values, in order. */
export interface Sql {
  text: string;
  values: unknown[];
}

/**
 * The records an audit row can name that belong to a patient, and how each leads to its patient:
 * the record's table as `r` (joined to what it needs), the column holding the id the audit row names
 * and the patient's id. One description serves both ways: every row about one patient (the export,
 * the timeline's patient filter) and the patient of each row on a timeline page.
 */
const patientRecords: readonly { entityType: string; from: string; id: string; patientId: string }[] = [
  { entityType: 'Patient', from: 'patients r', id: 'r.id', patientId: 'r.id' },
  { entityType: 'Appointment', from: 'appointments r', id: 'r.id', patientId: 'r.patient_id' },
  { entityType: 'Visit', from: 'visits r', id: 'r.id', patientId: 'r.patient_id' },
  { entityType: 'PatientVitals', from: 'patient_vitals r join visits v on v.id = r.visit_id', id: 'r.id', patientId: 'v.patient_id' },
  { entityType: 'ConsultationSession', from: 'consultation_sessions r join visits v on v.id = r.visit_id', id: 'r.id', patientId: 'v.patient_id' },
  { entityType: 'Prescription', from: 'prescriptions r join visits v on v.id = r.visit_id', id: 'r.id', patientId: 'v.patient_id' },
  {
    entityType: 'PrescriptionItem',
    from: 'prescription_items r join prescriptions p on p.id = r.prescription_id join visits v on v.id = p.visit_id',
    id: 'r.id',
    patientId: 'v.patient_id',
  },
  {
    entityType: 'DispenseRecord',
    from: 'dispense_records r join prescriptions p on p.id = r.prescription_id join visits v on v.id = p.visit_id',
    id: 'r.id',
    patientId: 'v.patient_id',
  },
  { entityType: 'TreatmentRecord', from: 'treatment_records r', id: 'r.id', patientId: 'r.patient_id' },
  { entityType: 'Notification', from: "notifications r join appointments a on r.subject_type = 'Appointment' and a.id = r.subject_id", id: 'r.id', patientId: 'a.patient_id' },
  { entityType: 'Notification', from: "notifications r join visits v on r.subject_type = 'Visit' and v.id = r.subject_id", id: 'r.id', patientId: 'v.patient_id' },
  // The patient's portal login, and changes they made to their own account.
  { entityType: 'Membership', from: 'memberships r join patients p on p.user_id = r.user_id and p.org_id = r.org_id', id: 'r.id', patientId: 'p.id' },
  { entityType: 'User', from: 'patients r', id: 'r.user_id', patientId: 'r.id' },
];

/**
 * `e` (audit_events) is about the patient: a row naming one of their records, or a search that
 * listed them. Each record's ids are gathered through the org's own rows first, so the trail is
 * read through the (org, entity type, entity id) index.
 */
export function aboutPatient(orgId: string, patientId: string): Sql {
  const clauses = ["(e.entity_type = 'Patient' and e.entity_ids <> '{}' and e.entity_ids @> array[?]::text[])"];
  const values: unknown[] = [patientId];
  for (const record of patientRecords) {
    clauses.push(`(e.entity_type = '${record.entityType}' and e.entity_id in (select ${record.id}::text from ${record.from} where r.org_id = ? and ${record.patientId} = ?))`);
    values.push(orgId, patientId);
  }
  return { text: `(${clauses.join(' or ')})`, values };
}

/** The id of the patient `e` names through one of their records, or null. */
function patientOfRow(): string {
  const byType = new Map<string, string[]>();
  for (const record of patientRecords) {
    const lookup = `(select ${record.patientId} from ${record.from} where r.org_id = e.org_id and ${record.id} = e.entity_id::uuid)`;
    byType.set(record.entityType, [...(byType.get(record.entityType) ?? []), lookup]);
  }
  const branches = [...byType].map(([type, lookups]) => `when '${type}' then ${lookups.length > 1 ? `coalesce(${lookups.join(', ')})` : lookups[0]}`);
  return `case e.entity_type ${branches.join(' ')} end`;
}

/** What else a row can be about, in words (see AuditEntryBody.subject). */
const subjectOfRow = `case e.entity_type
    when 'LabCase' then (select r.case_number from lab_cases r where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'CaseAttachment' then (select c.case_number from case_attachments r join lab_cases c on c.id = r.case_id where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'Notification' then (select c.case_number from notifications r join lab_cases c on r.subject_type = 'LabCase' and c.id = r.subject_id where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'Membership' then (select u.name from memberships r join users u on u.id = r.user_id where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'User' then (select u.name from users u join memberships m on m.user_id = u.id and m.org_id = e.org_id where u.id = e.entity_id::uuid)
    when 'StaffInvitation' then (select r.email from staff_invitations r where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'ProfessionalProfile' then (select r.display_name from professional_profiles r where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'Display' then (select r.name from displays r where r.org_id = e.org_id and r.id = e.entity_id::uuid)
    when 'Org' then (select r.name from orgs r where r.id = e.org_id and r.id = e.entity_id::uuid)
  end`;

/**
 * Rows keep field names, never values. A membership's role and whether it is active are read off the
 * membership as it is now, which is what a change wrote only while no later row changed that field
 * again (every change of a membership writes a row naming its fields).
 */
const membershipNow = (field: 'role' | 'active') => `case when e.entity_type = 'Membership' and '${field}' = any(e.changed_fields) and not exists (
      select 1 from audit_events l where l.org_id = e.org_id and l.entity_type = 'Membership' and l.entity_id = e.entity_id
         and (l.at, l.id) > (e.at, e.id) and '${field}' = any(l.changed_fields))
    then (select r.${field} from memberships r where r.org_id = e.org_id and r.id = e.entity_id::uuid) end`;

/**
 * A case transition writes its history row and its audit row in one statement, so the n-th
 * transition row of a case (by version) is the n-th `case.transition` audit row of that case (by
 * time). Two transitions of one case in the same millisecond are told apart by id only, which may
 * swap their destinations; the trail itself cannot order them either.
 */
const transitionTarget = `case when e.action = 'case.transition' then (
      select t.to_state from (
        select ct.to_state, row_number() over (order by ct.version) as n from case_transitions ct where ct.org_id = e.org_id and ct.case_id = e.entity_id::uuid
      ) t
      where t.n = (select count(*) from audit_events k where k.org_id = e.org_id and k.entity_type = 'LabCase' and k.entity_id = e.entity_id
                     and k.action = 'case.transition' and (k.at, k.id) <= (e.at, e.id))
    ) end`;

export interface AuditRow {
  id: string;
  org_id: string | null;
  actor_user_id: string | null;
  actor_role: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  entity_ids: string[];
  changed_fields: string[];
  request_id: string | null;
  ip: string | null;
  at: Date;
}

/** Up to `size` rows of the org matching every filter, newest first, after the (at, id) given. */
export async function timelineRows(em: EntityManager, orgId: string, filters: Sql[], after: { at: string; id: string } | null, size: number): Promise<AuditRow[]> {
  const conditions: Sql[] = [{ text: 'e.org_id = ?', values: [orgId] }, ...filters];
  if (after) conditions.push({ text: '(e.at, e.id) < (?::timestamptz, ?::uuid)', values: [after.at, after.id] });
  const rows = await em.getConnection().execute<(Omit<AuditRow, 'at'> & { at: string })[]>(
    `select e.id, e.org_id, e.actor_user_id, e.actor_role, e.action, e.entity_type, e.entity_id, e.entity_ids, e.changed_fields, e.request_id, e.ip, e.at
       from audit_events e
      where ${conditions.map((c) => c.text).join(' and ')}
      order by e.at desc, e.id desc
      limit ?`,
    [...conditions.flatMap((c) => c.values), size],
  );
  return rows.map((row) => ({ ...row, at: new Date(row.at) }));
}

export interface RowWords {
  id: string;
  actor_name: string | null;
  patient_id: string | null;
  patient_name: string | null;
  subject: string | null;
  subject_role: string | null;
  subject_active: boolean | null;
  to_state: string | null;
}

/**
 * Names and words for the rows of one page, in one statement: the actor, the patient (their name
 * only when `withPatientNames`), the other subject, a membership's role and state, a case's
 * destination.
 */
export async function rowWords(em: EntityManager, orgId: string, ids: string[], withPatientNames: boolean): Promise<RowWords[]> {
  if (!ids.length) return [];
  return em.getConnection().execute<RowWords[]>(
    `select e.id, u.name as actor_name, p.id as patient_id, ${withPatientNames ? 'p.full_name' : 'null'} as patient_name,
            ${subjectOfRow} as subject,
            case when e.entity_type = 'StaffInvitation' then (select r.role from staff_invitations r where r.org_id = e.org_id and r.id = e.entity_id::uuid)
                 else ${membershipNow('role')} end as subject_role,
            ${membershipNow('active')} as subject_active,
            ${transitionTarget} as to_state
       from audit_events e
       left join users u on u.id = e.actor_user_id
       left join patients p on p.org_id = e.org_id and p.id = (${patientOfRow()})
      where e.org_id = ? and e.id in (?)`,
    [orgId, ids],
  );
}

/** The patient's name, or undefined when the org has no such patient (a removed one still has a name). */
export async function patientName(em: EntityManager, orgId: string, patientId: string): Promise<string | undefined> {
  const [found] = await em.getConnection().execute<{ full_name: string }[]>('select full_name from patients where org_id = ? and id = ?', [orgId, patientId]);
  return found?.full_name;
}

export interface TrailRow {
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

/** The subjects whose whole trail an org_admin may export. */
export type ExportSubject = 'Patient' | 'LabCase';

/**
 * Which audit rows belong to a subject's trail. A patient's: see aboutPatient. A case's: its own
 * rows and those about its attachments and notifications.
 */
function trailOf(subject: ExportSubject, orgId: string, id: string): Sql {
  if (subject === 'Patient') {
    const about = aboutPatient(orgId, id);
    return { text: `select e.* from audit_events e where e.org_id = ? and ${about.text}`, values: [orgId, ...about.values] };
  }
  return {
    text: `select e.* from audit_events e where e.org_id = ? and (
           (e.entity_type = 'LabCase' and e.entity_id = ?)
        or (e.entity_type = 'CaseAttachment' and e.entity_id in (select a.id::text from case_attachments a where a.org_id = ? and a.case_id = ?))
        or (e.entity_type = 'Notification' and e.entity_id in (select n.id::text from notifications n where n.org_id = ? and n.subject_type = 'LabCase' and n.subject_id = ?))
      )`,
    values: [orgId, id, orgId, id, orgId, id],
  };
}

/** A subject's whole trail with its actors' names, oldest first. */
export async function trailRows(em: EntityManager, subject: ExportSubject, orgId: string, id: string): Promise<TrailRow[]> {
  const trail = trailOf(subject, orgId, id);
  return em.getConnection().execute<TrailRow[]>(
    `with trail as (${trail.text})
     select t.id, t.at, t.action, t.entity_type, t.entity_id, t.actor_user_id, u.name as actor_name, t.actor_role, t.changed_fields, t.request_id, t.ip
       from trail t left join users u on u.id = t.actor_user_id
      order by t.at, t.id`,
    trail.values,
  );
}

/** Whether the org has the subject (a deleted case has none, and keeps its trail). */
export async function subjectExists(em: EntityManager, subject: ExportSubject, orgId: string, id: string): Promise<boolean> {
  const table = subject === 'Patient' ? 'patients' : 'lab_cases';
  const [found] = await em.getConnection().execute(`select 1 from ${table} where org_id = ? and id = ?`, [orgId, id]);
  return found !== undefined;
}
