import type { EntityManager } from '@mikro-orm/postgresql';
import { AppointmentSchema } from '../appointments/appointment.entity';
import { MembershipSchema } from '../auth/membership.entity';
import { UserSchema } from '../auth/user.entity';
import { LabCaseSchema } from '../lab-cases/lab-case.entity';
import { OrgSchema } from '../orgs/org.entity';
import { PatientSchema, type Patient } from '../patients/patient.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import { VisitSchema } from '../visits/visit.entity';
import type { NotificationJob } from './notification-rules';
import type { MessageFacts } from './templates';

/** Where to send and what to say, or why not to send at all. */
export type Delivery = { to: string; facts: MessageFacts } | { skip: string };

/**
 * Reads what a message needs at send time (so a consent withdrawn after the change is honoured)
 * through `em`, which is bound to the job's org like any request.
 */
export async function resolveDelivery(em: EntityManager, job: NotificationJob): Promise<Delivery> {
  const org = await em.findOneOrFail(OrgSchema, { id: job.orgId });
  if (job.subjectType === 'LabCase') return labCaseDelivery(em, job, org.name);
  const visit = job.subjectType === 'Visit' ? await em.findOne(VisitSchema, { id: job.subjectId }) : null;
  const appointment = job.subjectType === 'Appointment' ? await em.findOne(AppointmentSchema, { id: job.subjectId }) : null;
  const subject = visit ?? appointment;
  if (!subject) return { skip: 'the subject no longer exists' };
  const patient = await em.findOne(PatientSchema, { id: subject.patientId });
  const professional = await em.findOne(ProfessionalProfileSchema, { id: subject.professionalId });
  if (!patient || !professional) return { skip: 'the patient or professional no longer exists' };
  const facts: MessageFacts = {
    orgName: org.name,
    recipientName: patient.fullName,
    patientName: patient.fullName,
    professionalName: professional.displayName,
    room: professional.room,
    ticketNumber: visit?.ticketNumber,
    treatment: appointment?.treatment,
    startsAt: appointment?.startsAt,
  };
  if (job.recipient === 'patient') return patientAddress(patient, job, facts);
  if (job.channel === 'whatsapp') return { skip: 'no WhatsApp number on file for staff' };
  const user = await em.findOne(UserSchema, { id: professional.userId });
  return user ? { to: user.email, facts: { ...facts, recipientName: professional.displayName } } : { skip: 'no email on file' };
}

function patientAddress(patient: Patient, job: NotificationJob, facts: MessageFacts): Delivery {
  if (job.channel === 'email') {
    if (!patient.consentEmail) return { skip: 'no consent to email' };
    return patient.email ? { to: patient.email, facts } : { skip: 'no email on file' };
  }
  if (!patient.consentWhatsapp) return { skip: 'no consent to WhatsApp' };
  return { to: patient.phone, facts };
}

async function labCaseDelivery(em: EntityManager, job: NotificationJob, orgName: string): Promise<Delivery> {
  const labCase = await em.findOne(LabCaseSchema, { id: job.subjectId });
  if (!labCase) return { skip: 'the case no longer exists' };
  const facts: MessageFacts = {
    orgName,
    recipientName: '',
    caseNumber: labCase.caseNumber,
    patientName: labCase.patientName,
    dueDate: labCase.dueDate,
    adjustmentNotes: labCase.adjustmentNotes ?? undefined,
  };
  const userIds =
    job.recipient === 'dentist'
      ? [labCase.dentistUserId]
      : job.recipient === 'designer'
        ? [labCase.assignedDesignerId]
        : (await em.find(MembershipSchema, { role: 'org_admin', active: true })).map((m) => m.userId);
  const users = await em.find(UserSchema, { id: { $in: userIds.filter((id): id is string => !!id) }, active: true });
  if (users.length === 0) return { skip: `no ${job.recipient.replace('_', ' ')} with a login` };
  return { to: users.map((u) => u.email).join(', '), facts: { ...facts, recipientName: users.length === 1 ? users[0]!.name : 'lab team' } };
}
