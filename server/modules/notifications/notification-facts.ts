import type { MikroORM } from '@mikro-orm/postgresql';
import { batchLoader } from './notification-batches';
import type { NotificationJob } from './notification-rules';
import type { MessageFacts } from './templates';

/** Where to send and what to say, or why not to send at all. */
export type Delivery = { to: string; facts: MessageFacts } | { skip: string };

/** An appointment or a visit with the org, patient and professional it names (null: gone from the org). */
interface ClinicSubjectRow {
  org_name: string;
  time_zone: string;
  treatment: string | null;
  starts_at: string | null;
  ticket_number: string | null;
  patient_name: string | null;
  patient_email: string | null;
  patient_phone: string;
  consent_email: boolean;
  consent_whatsapp: boolean;
  professional_name: string | null;
  room: string;
  professional_email: string | null;
  /** E.164, set by the professional themselves on their account. */
  professional_phone: string | null;
  professional_consent_whatsapp: boolean | null;
}

interface LabUser {
  name: string;
  email: string;
}

interface LabCaseRow {
  org_name: string;
  time_zone: string;
  case_number: string;
  patient_name: string;
  due_date: string;
  adjustment_notes: string | null;
  /** Active users with a login, per recipient. */
  dentist: LabUser[];
  designer: LabUser[];
  lab_admins: LabUser[];
}

type SubjectRow = { id: string; org_id: string };

// Each query reads the subjects of many jobs at once, by (id, org) pairs: raw SQL has no tenant
// filter, so every table joined is held to the job's org (users belong to no org).
const wantedJoin = 'join unnest(array[?]::uuid[], array[?]::uuid[]) as wanted(id, org_id) on s.id = wanted.id and s.org_id = wanted.org_id';

const clinicPeople = `p.full_name as patient_name, p.email as patient_email, p.phone as patient_phone, p.consent_email, p.consent_whatsapp,
       pp.display_name as professional_name, pp.room, u.email as professional_email,
       u.phone as professional_phone, u.whatsapp_consent as professional_consent_whatsapp`;
const clinicPeopleJoins = `join orgs o on o.id = s.org_id
  left join patients p on p.id = s.patient_id and p.org_id = s.org_id and p.deleted_at is null
  left join professional_profiles pp on pp.id = s.professional_id and pp.org_id = s.org_id
  left join users u on u.id = pp.user_id`;

const appointmentSql = `select s.id, s.org_id, o.name as org_name, o.time_zone, s.treatment, s.starts_at, null as ticket_number, ${clinicPeople}
  from appointments s ${wantedJoin} ${clinicPeopleJoins}`;

const visitSql = `select s.id, s.org_id, o.name as org_name, o.time_zone, null as treatment, null as starts_at, s.ticket_number, ${clinicPeople}
  from visits s ${wantedJoin} ${clinicPeopleJoins}`;

const labUsers = (where: string) =>
  `(select coalesce(json_agg(json_build_object('name', u.name, 'email', u.email) order by u.email), '[]') from users u where u.active and ${where})`;

const labCaseSql = `select s.id, s.org_id, o.name as org_name, o.time_zone, s.case_number, s.patient_name, s.due_date, s.adjustment_notes,
       ${labUsers('u.id = s.dentist_user_id')} as dentist,
       ${labUsers('u.id = s.assigned_designer_id')} as designer,
       ${labUsers(`u.id in (select m.user_id from memberships m where m.org_id = s.org_id and m.role = 'org_admin' and m.active)`)} as lab_admins
  from lab_cases s ${wantedJoin} join orgs o on o.id = s.org_id`;

const maxBatchSize = 100;

/**
 * Reads what a message needs at send time (so a consent withdrawn after the change is honoured):
 * one query per subject type for all the jobs in flight, each subject held to its job's org.
 */
export function deliveryResolver(orm: MikroORM): (job: NotificationJob) => Promise<Delivery> {
  const subjects = <Row extends SubjectRow>(sql: string) =>
    batchLoader<{ id: string; orgId: string }, Row | null>(async (wanted) => {
      const rows = await orm.em.getConnection().execute<Row[]>(sql, [wanted.map((w) => w.id), wanted.map((w) => w.orgId)]);
      const found = new Map(rows.map((row) => [`${row.org_id}/${row.id}`, row]));
      return wanted.map((w) => found.get(`${w.orgId}/${w.id}`) ?? null);
    }, maxBatchSize);
  const appointments = subjects<SubjectRow & ClinicSubjectRow>(appointmentSql);
  const visits = subjects<SubjectRow & ClinicSubjectRow>(visitSql);
  const labCases = subjects<SubjectRow & LabCaseRow>(labCaseSql);

  return async (job) => {
    const subject = { id: job.subjectId, orgId: job.orgId };
    if (job.subjectType === 'LabCase') return labCaseDelivery(job, await labCases.load(subject));
    return clinicDelivery(job, await (job.subjectType === 'Visit' ? visits : appointments).load(subject));
  };
}

function clinicDelivery(job: NotificationJob, row: ClinicSubjectRow | null): Delivery {
  if (!row) return { skip: 'the subject no longer exists' };
  // A deleted patient's record is kept for the clinic's history, but they hear nothing more from it.
  if (row.patient_name === null || row.professional_name === null) return { skip: 'the patient or professional no longer exists' };
  const facts: MessageFacts = {
    orgName: row.org_name,
    timeZone: row.time_zone,
    recipientName: row.patient_name,
    patientName: row.patient_name,
    professionalName: row.professional_name,
    room: row.room,
    ticketNumber: row.ticket_number ?? undefined,
    treatment: row.treatment ?? undefined,
    startsAt: row.starts_at === null ? undefined : new Date(row.starts_at),
  };
  if (job.recipient === 'patient') {
    if (job.channel === 'email') {
      if (!row.consent_email) return { skip: 'no consent to email' };
      return row.patient_email ? { to: row.patient_email, facts } : { skip: 'no email on file' };
    }
    if (!row.consent_whatsapp) return { skip: 'no consent to WhatsApp' };
    return { to: row.patient_phone, facts };
  }
  const toProfessional = { ...facts, recipientName: row.professional_name };
  if (job.channel === 'whatsapp') {
    if (!row.professional_phone) return { skip: 'the professional has no phone on their account' };
    if (!row.professional_consent_whatsapp) return { skip: 'the professional has not consented to WhatsApp' };
    return { to: row.professional_phone, facts: toProfessional };
  }
  return row.professional_email ? { to: row.professional_email, facts: toProfessional } : { skip: 'no email on file' };
}

function labCaseDelivery(job: NotificationJob, row: LabCaseRow | null): Delivery {
  if (!row) return { skip: 'the case no longer exists' };
  const users = job.recipient === 'dentist' ? row.dentist : job.recipient === 'designer' ? row.designer : row.lab_admins;
  if (users.length === 0) return { skip: `no ${job.recipient.replace('_', ' ')} with a login` };
  const facts: MessageFacts = {
    orgName: row.org_name,
    timeZone: row.time_zone,
    recipientName: users.length === 1 ? users[0]!.name : 'lab team',
    caseNumber: row.case_number,
    patientName: row.patient_name,
    dueDate: row.due_date,
    adjustmentNotes: row.adjustment_notes ?? undefined,
  };
  return { to: users.map((u) => u.email).join(', '), facts };
}
