import { AuditEventSchema } from '../modules/audit/audit-event.entity';
import { DisplaySchema } from '../modules/displays/display.entity';
import { WaitEstimateSchema } from '../modules/estimates/wait-estimate.entity';
import { NotificationSchema } from '../modules/notifications/notification.entity';
import { MembershipSchema } from '../modules/auth/membership.entity';
import { RefreshTokenSchema } from '../modules/auth/refresh-token.entity';
import { PasswordResetSchema } from '../modules/auth/password-reset.entity';
import { StaffInvitationSchema } from '../modules/orgs/staff-invitation.entity';
import { UserSchema } from '../modules/auth/user.entity';
import { OrgSchema } from '../modules/orgs/org.entity';
import { OutboxEventSchema } from '../modules/realtime/outbox-event.entity';
import { PatientCounterSchema, PatientSchema } from '../modules/patients/patient.entity';
import { TreatmentRecordSchema } from '../modules/patients/treatment-record.entity';
import { ProfessionalProfileSchema } from '../modules/professionals/professional-profile.entity';
import { AppointmentSchema, AppointmentTransitionSchema } from '../modules/appointments/appointment.entity';
import { PatientVitalsSchema, TicketCounterSchema, VisitSchema, VisitTransitionSchema } from '../modules/visits/visit.entity';
import { ConsultationSessionSchema } from '../modules/consultations/consultation-session.entity';
import { PrescriptionItemSchema, PrescriptionSchema } from '../modules/prescriptions/prescription.entity';
import { DispenseRecordSchema } from '../modules/pharmacy/dispense-record.entity';
import { LabCaseSchema } from '../modules/lab-cases/lab-case.entity';
import { CaseTransitionSchema } from '../modules/lab-cases/case-transition.entity';
import { CaseAttachmentSchema } from '../modules/lab-cases/case-attachment.entity';
import { CaseNumberCounterSchema } from '../modules/lab-cases/case-number-counter.entity';

/** The clinic flow (issue 4): patients, professionals, appointments, visits, consultations, prescriptions, pharmacy. */
const clinicEntities = [
  PatientSchema,
  PatientCounterSchema,
  TreatmentRecordSchema,
  ProfessionalProfileSchema,
  AppointmentSchema,
  AppointmentTransitionSchema,
  VisitSchema,
  TicketCounterSchema,
  PatientVitalsSchema,
  VisitTransitionSchema,
  ConsultationSessionSchema,
  PrescriptionSchema,
  PrescriptionItemSchema,
  DispenseRecordSchema,
];

/** Dental lab cases (issue 3): cases, their history, attachments and per-lab case numbers. */
const labCaseEntities = [LabCaseSchema, CaseTransitionSchema, CaseAttachmentSchema, CaseNumberCounterSchema];

/**
 * Entities whose rows belong to one org. The `tenant` filter below applies to exactly these, so a
 * query can only see the acting org's rows unless it opts out by name (`filters: { tenant: false }`).
 */
export const tenantEntities = [MembershipSchema, StaffInvitationSchema, AuditEventSchema, DisplaySchema, ...clinicEntities, ...labCaseEntities, WaitEstimateSchema, NotificationSchema];

/** Read across orgs by design: the outbox is drained by one dispatcher for every org. */
const platformEntities = [OrgSchema, UserSchema, RefreshTokenSchema, PasswordResetSchema, OutboxEventSchema];

export const entities = [...platformEntities, ...tenantEntities];

