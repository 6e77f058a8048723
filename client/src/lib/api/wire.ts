/**
 * Wire shapes of the clinic and lab routes, read off the server's own TypeBox schemas: a field the
 * server renames or adds shows up here at type-check time, never as a surprise in a screen.
 * Type-only imports: nothing of the server reaches the bundle.
 */
import type { Static } from 'typebox';
import type {
  AttachmentBody,
  BoardBody,
  CardBody,
  CaseBody,
  CaseChangesBody,
  CaseDetailBody,
  CaseEventBody,
  HistoryBody,
  NewCaseBody,
  RemakeAnalyticsBody,
} from '../../../../server/modules/lab-cases/lab-cases.schemas';
import type {
  AllergyBody,
  AllergiesChangeBody,
  NewPatientBody,
  NewTreatmentBody,
  PatientAllergiesBody,
  PatientBody,
  PatientChangesBody,
  PatientListBody,
  PatientSummaryBody,
  ProfileBody,
  TreatmentBody,
} from '../../../../server/modules/patients/patients.schemas';
import type { ProfessionalBody } from '../../../../server/modules/professionals/professionals.schemas';
import type { AppointmentBody, FreeSlotsBody, NewAppointmentBody } from '../../../../server/modules/appointments/appointments.schemas';
import type {
  CheckedInBody,
  CheckInBody,
  PortalVisitBody,
  PortalVisitsBody,
  PrescriptionItemBody,
  VisitBody,
  VisitDetailBody,
} from '../../../../server/modules/visits/visits.schemas';
import type { ProfessionalQueueBody, QueueEntryBody, ReceptionQueueBody } from '../../../../server/modules/queue/queue.schemas';
import type { ConsultationBody } from '../../../../server/modules/consultations/consultations.schemas';
import type { NewItemBody, VisitPrescriptionBody } from '../../../../server/modules/prescriptions/prescriptions.schemas';
import type { PharmacyEntryBody } from '../../../../server/modules/pharmacy/pharmacy.schemas';
import type { DisplayBody, DisplayChangesBody, DisplayWithToken as DisplayWithTokenBody, NewDisplayBody } from '../../../../server/modules/displays/displays.schemas';

import type { CaseChangedV1 } from '../../../../server/modules/lab-cases/lab-cases.events';
import type { DisplayBoard, VisitStatus } from '../../../../server/modules/public-screens/public-screens.service';
export type { CaseChangedV1 };

// Lab
export type Card = Static<typeof CardBody>;
export type Board = Static<typeof BoardBody>;
export type BoardColumn = Board['columns'][number];
export type LabCase = Static<typeof CaseBody>;
export type CaseDetail = Static<typeof CaseDetailBody>;
export type NewCase = Static<typeof NewCaseBody>;
export type CaseChanges = Static<typeof CaseChangesBody>;
export type CaseCommand = Static<typeof CaseEventBody>;
export type CaseHistoryEntry = Static<typeof HistoryBody>['items'][number];
export type Attachment = Static<typeof AttachmentBody>;
export type RemakeAnalytics = Static<typeof RemakeAnalyticsBody>;
export type RemakeGroup = RemakeAnalytics['overall'];
export type DueRisk = NonNullable<Card['risk']>;

// Clinic
export type Patient = Static<typeof PatientBody>;
export type PatientSummary = Static<typeof PatientSummaryBody>;
export type PatientList = Static<typeof PatientListBody>;
export type NewPatient = Static<typeof NewPatientBody>;
export type PatientChanges = Static<typeof PatientChangesBody>;
export type PatientProfile = Static<typeof ProfileBody>;
export type Allergy = Static<typeof AllergyBody>;
export type PatientAllergies = Static<typeof PatientAllergiesBody>;
export type AllergiesChange = Static<typeof AllergiesChangeBody>;
export type Treatment = Static<typeof TreatmentBody>;
export type NewTreatment = Static<typeof NewTreatmentBody>;
export type Professional = Static<typeof ProfessionalBody>;
export type Appointment = Static<typeof AppointmentBody>;
export type NewAppointment = Static<typeof NewAppointmentBody>;
export type FreeSlots = Static<typeof FreeSlotsBody>;
export type Visit = Static<typeof VisitBody>;
export type CheckedInVisit = Static<typeof CheckedInBody>;
export type VisitDetail = Static<typeof VisitDetailBody>;
export type CheckIn = Static<typeof CheckInBody>;
export type Vitals = CheckIn['vitals'];
export type PortalVisit = Static<typeof PortalVisitBody>;
export type PortalVisits = Static<typeof PortalVisitsBody>;
export type PrescriptionItem = Static<typeof PrescriptionItemBody>;
export type NewPrescriptionItem = Static<typeof NewItemBody>;
export type VisitPrescription = Static<typeof VisitPrescriptionBody>;
export type Consultation = Static<typeof ConsultationBody>;
export type QueueEntry = Static<typeof QueueEntryBody>;
export type ProfessionalQueue = Static<typeof ProfessionalQueueBody>;
export type ReceptionQueue = Static<typeof ReceptionQueueBody>;
export type PharmacyEntry = Static<typeof PharmacyEntryBody>;

// Displays
export type DisplayConfig = Static<typeof DisplayBody>;
export type DisplayPrivacy = DisplayConfig['privacy'];
/** The token is shown once: only its hash is stored. */
export type DisplayWithToken = Static<typeof DisplayWithTokenBody>;
export type NewDisplay = Static<typeof NewDisplayBody>;
export type DisplayChanges = Static<typeof DisplayChangesBody>;

/** A notification with its delivery attempts (server/modules/notifications/notifications.routes.ts). */
export interface NotificationRecord {
  id: string;
  template: string;
  channel: string;
  recipient: string;
  subjectType: string;
  subjectId: string;
  status: string;
  skipReason: string | null;
  attempts: { at: string; outcome: string; error?: string }[];
  createdAt: string;
  sentAt: string | null;
}

// Live payloads of the token screens (contract of the display and visit-status topics): the server's own types.

/** `display.updated.v1` and the display topic's snapshot: the whole board, never a patient's name. */
export type { DisplayBoard };
/** `status.updated.v1` and the visit-status topic's snapshot: one patient's own ticket. */
export type VisitStatusBoard = VisitStatus;

/**
 * The payload of each live event a screen reads, by its versioned name: the one contract of what
 * the server sends over the socket. Read envelopes through `isWireEvent`, never by casting.
 */
export interface WireEvents {
  'display.updated.v1': DisplayBoard;
  'status.updated.v1': VisitStatusBoard;
  'case.created.v1': CaseChangedV1;
  'case.updated.v1': CaseChangedV1;
  'case.deleted.v1': CaseChangedV1;
}

