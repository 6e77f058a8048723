import type { ApiClient, UploadOptions } from './client';
import type {
  AllergiesChange,
  Appointment,
  Attachment,
  Board,
  CaseChanges,
  CaseCommand,
  CaseDetail,
  CaseHistoryEntry,
  CheckedInVisit,
  CheckIn,
  Consultation,
  DisplayConfig,
  DisplayChanges,
  DisplayWithToken,
  NotificationRecord,
  FreeSlots,
  LabCase,
  NewAppointment,
  NewCase,
  NewDisplay,
  NewPatient,
  NewPrescriptionItem,
  NewTreatment,
  Patient,
  PatientAllergies,
  PatientChanges,
  PatientList,
  PatientProfile,
  PharmacyEntry,
  PortalVisits,
  Professional,
  ProfessionalQueue,
  ReceptionQueue,
  RemakeAnalytics,
  Treatment,
  Visit,
  VisitDetail,
  VisitPrescription,
} from './wire';
import type {
  Account,
  AccountChanges,
  AuditPage,
  AuditQuery,
  Designer,
  Me,
  Membership,
  MyInvitation,
  NewOrg,
  NewStaff,
  Org,
  OrgChanges,
  OperatorOrgChanges,
  Role,
  Session,
  StaffAddition,
  StaffChanges,
  StaffInvitation,
  StaffList,
  StaffMember,
} from './types';

const org = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}`;
const id = encodeURIComponent;

/** Board and list filters (GET /board, GET /cases). */
export interface CaseFilter {
  designerId?: string;
  material?: string;
  caseType?: string;
  dentist?: string;
  dueBefore?: string;
  dueAfter?: string;
  overdue?: boolean;
  limit?: number;
}

/** One typed function per API route; screens call these, never fetch. */
export function endpoints(http: ApiClient) {
  return {
    auth: {
      login: (email: string, password: string) => http.post<Session>('/auth/login', { email, password }, { auth: false }),
      logout: (refreshToken: string) => http.post<void>('/auth/logout', { refreshToken }, { auth: false }),
      me: (signal?: AbortSignal) => http.get<Me>('/auth/me', undefined, { signal }),
      /** Your own name, phone and WhatsApp consent: only you set them. */
      updateMe: (changes: AccountChanges) => http.patch<Account>('/auth/me', changes),
      /** Every other session of the user ends; this device's new session is stored before this resolves. */
      changePassword: (currentPassword: string, newPassword: string) => http.renewSession('/auth/password', { currentPassword, newPassword }),
      requestPasswordReset: (email: string) => http.post<{ message: string }>('/auth/password-reset', { email }, { auth: false }),
      completePasswordReset: (token: string, newPassword: string) =>
        http.post<void>('/auth/password-reset/complete', { token, newPassword }, { auth: false }),
    },
    invitations: {
      mine: (signal?: AbortSignal) => http.get<MyInvitation[]>('/invitations', undefined, { signal }),
      accept: (invitationId: string) => http.post<Membership>(`/invitations/${id(invitationId)}/accept`),
      decline: (invitationId: string) => http.post<void>(`/invitations/${id(invitationId)}/decline`),
    },
    orgs: {
      list: (signal?: AbortSignal) => http.get<Org[]>('/orgs', undefined, { signal }),
      get: (orgId: string, signal?: AbortSignal) => http.get<Org>(org(orgId), undefined, { signal }),
      create: (input: NewOrg) => http.post<Org>('/orgs', input),
      update: (orgId: string, changes: OrgChanges) => http.patch<Org>(org(orgId), changes),
    },
    platform: {
      updateOrg: (orgId: string, changes: OperatorOrgChanges) => http.patch<Org>(`/platform/orgs/${encodeURIComponent(orgId)}`, changes),
    },
    staff: {
      list: (orgId: string, filter: { role?: Role; active?: boolean } = {}, signal?: AbortSignal) =>
        http.get<StaffList>(`${org(orgId)}/staff`, filter, { signal }),
      create: (orgId: string, input: NewStaff) => http.post<StaffAddition>(`${org(orgId)}/staff`, input),
      update: (orgId: string, membershipId: string, changes: StaffChanges) =>
        http.patch<StaffMember>(`${org(orgId)}/staff/${encodeURIComponent(membershipId)}`, changes),
      invitations: (orgId: string, signal?: AbortSignal) => http.get<StaffInvitation[]>(`${org(orgId)}/staff/invitations`, undefined, { signal }),
      withdrawInvitation: (orgId: string, invitationId: string) => http.delete<void>(`${org(orgId)}/staff/invitations/${id(invitationId)}`),
      designers: (orgId: string, signal?: AbortSignal) => http.get<Designer[]>(`${org(orgId)}/designers`, undefined, { signal }),
    },
    cases: {
      board: (orgId: string, filter: CaseFilter = {}, signal?: AbortSignal) => http.get<Board>(`${org(orgId)}/board`, { ...filter }, { signal }),
      get: (orgId: string, caseId: string, signal?: AbortSignal) => http.get<CaseDetail>(`${org(orgId)}/cases/${id(caseId)}`, undefined, { signal }),
      create: (orgId: string, input: NewCase) => http.post<CaseDetail>(`${org(orgId)}/cases`, input),
      update: (orgId: string, caseId: string, changes: CaseChanges) => http.patch<CaseDetail>(`${org(orgId)}/cases/${id(caseId)}`, changes),
      remove: (orgId: string, caseId: string) => http.delete<void>(`${org(orgId)}/cases/${id(caseId)}`),
      send: (orgId: string, caseId: string, command: CaseCommand) => http.post<CaseDetail>(`${org(orgId)}/cases/${id(caseId)}/events`, command),
      history: (orgId: string, caseId: string, signal?: AbortSignal) =>
        http.get<{ items: CaseHistoryEntry[] }>(`${org(orgId)}/cases/${id(caseId)}/history`, undefined, { signal }),
      search: (orgId: string, query: string, signal?: AbortSignal) => http.get<{ items: LabCase[] }>(`${org(orgId)}/cases/search`, { query }, { signal }),
      remakes: (orgId: string, range: { from?: string; to?: string }, signal?: AbortSignal) =>
        http.get<RemakeAnalytics>(`${org(orgId)}/cases/analytics/remakes`, range, { signal }),
      attachments: (orgId: string, caseId: string, signal?: AbortSignal) =>
        http.get<{ items: Attachment[] }>(`${org(orgId)}/cases/${id(caseId)}/attachments`, undefined, { signal }),
      upload: (orgId: string, caseId: string, file: File, options: UploadOptions = {}) =>
        http.upload<Attachment>(`${org(orgId)}/cases/${id(caseId)}/attachments`, file, options),
      download: (orgId: string, caseId: string, attachmentId: string) => http.blob(`${org(orgId)}/cases/${id(caseId)}/attachments/${id(attachmentId)}`),
      removeAttachment: (orgId: string, caseId: string, attachmentId: string) =>
        http.delete<void>(`${org(orgId)}/cases/${id(caseId)}/attachments/${id(attachmentId)}`),
    },
    patients: {
      search: (orgId: string, query: { q?: string; page?: number; pageSize?: number }, signal?: AbortSignal) =>
        http.get<PatientList>(`${org(orgId)}/patients`, query, { signal }),
      create: (orgId: string, input: NewPatient) => http.post<Patient>(`${org(orgId)}/patients`, input),
      profile: (orgId: string, patientId: string, signal?: AbortSignal) => http.get<PatientProfile>(`${org(orgId)}/patients/${id(patientId)}`, undefined, { signal }),
      update: (orgId: string, patientId: string, changes: PatientChanges) => http.patch<Patient>(`${org(orgId)}/patients/${id(patientId)}`, changes),
      allergies: (orgId: string, patientId: string, signal?: AbortSignal) =>
        http.get<PatientAllergies>(`${org(orgId)}/patients/${id(patientId)}/allergies`, undefined, { signal }),
      setAllergies: (orgId: string, patientId: string, change: AllergiesChange) => http.put<PatientAllergies>(`${org(orgId)}/patients/${id(patientId)}/allergies`, change),
      treatments: (orgId: string, patientId: string, signal?: AbortSignal) =>
        http.get<Treatment[]>(`${org(orgId)}/patients/${id(patientId)}/treatments`, undefined, { signal }),
      addTreatment: (orgId: string, patientId: string, input: NewTreatment) => http.post<Treatment>(`${org(orgId)}/patients/${id(patientId)}/treatments`, input),
    },
    professionals: {
      list: (orgId: string, signal?: AbortSignal) => http.get<Professional[]>(`${org(orgId)}/professionals`, { active: true }, { signal }),
      bySpecialty: (orgId: string, specialty: string, signal?: AbortSignal) =>
        http.get<Professional[]>(`${org(orgId)}/professionals/specialty/${id(specialty)}`, undefined, { signal }),
      freeSlots: (orgId: string, professionalId: string, date: string, signal?: AbortSignal) =>
        http.get<FreeSlots>(`${org(orgId)}/professionals/${id(professionalId)}/free-slots`, { date }, { signal }),
    },
    appointments: {
      list: (orgId: string, query: { patientId?: string; professionalId?: string; date?: string }, signal?: AbortSignal) =>
        http.get<Appointment[]>(`${org(orgId)}/appointments`, query, { signal }),
      today: (orgId: string, signal?: AbortSignal) => http.get<Appointment[]>(`${org(orgId)}/appointments/today`, undefined, { signal }),
      book: (orgId: string, input: NewAppointment) => http.post<Appointment>(`${org(orgId)}/appointments`, input),
      reschedule: (orgId: string, appointmentId: string, input: { startsAt: string; durationMinutes?: number; version?: number }) =>
        http.patch<Appointment>(`${org(orgId)}/appointments/${id(appointmentId)}/reschedule`, input),
      cancel: (orgId: string, appointmentId: string, input: { reason?: string; version?: number }) =>
        http.post<Appointment>(`${org(orgId)}/appointments/${id(appointmentId)}/cancel`, input),
      noShow: (orgId: string, appointmentId: string, version?: number) => http.post<Appointment>(`${org(orgId)}/appointments/${id(appointmentId)}/no-show`, { version }),
      finish: (orgId: string, appointmentId: string, version?: number) => http.post<Appointment>(`${org(orgId)}/appointments/${id(appointmentId)}/finish`, { version }),
    },
    visits: {
      checkIn: (orgId: string, input: CheckIn) => http.post<CheckedInVisit>(`${org(orgId)}/visits/check-in`, input),
      get: (orgId: string, visitId: string, signal?: AbortSignal) => http.get<VisitDetail>(`${org(orgId)}/visits/${id(visitId)}`, undefined, { signal }),
      send: (orgId: string, visitId: string, type: 'cancel' | 'noShow' | 'requeue' | 'recall' | 'close', version?: number) =>
        http.post<Visit>(`${org(orgId)}/visits/${id(visitId)}/events`, { type, version }),
      start: (orgId: string, visitId: string, version?: number) => http.post<Consultation>(`${org(orgId)}/visits/${id(visitId)}/start`, { version }),
      complete: (orgId: string, visitId: string, version?: number) => http.post<Consultation>(`${org(orgId)}/visits/${id(visitId)}/complete`, { version }),
      addItem: (orgId: string, visitId: string, item: NewPrescriptionItem) => http.post<VisitPrescription>(`${org(orgId)}/visits/${id(visitId)}/prescription/items`, item),
      stopItem: (orgId: string, visitId: string, itemId: string) =>
        http.post<VisitPrescription>(`${org(orgId)}/visits/${id(visitId)}/prescription/items/${id(itemId)}/stop`),
    },
    queue: {
      reception: (orgId: string, signal?: AbortSignal) => http.get<ReceptionQueue>(`${org(orgId)}/queue/reception`, undefined, { signal }),
      mine: (orgId: string, signal?: AbortSignal) => http.get<ProfessionalQueue>(`${org(orgId)}/queue/me`, undefined, { signal }),
      callNext: (orgId: string) => http.post<Visit>(`${org(orgId)}/queue/me/call-next`),
    },
    pharmacy: {
      queue: (orgId: string, signal?: AbortSignal) => http.get<PharmacyEntry[]>(`${org(orgId)}/pharmacy/queue`, undefined, { signal }),
      print: (orgId: string, visitId: string, version?: number) => http.post<Visit>(`${org(orgId)}/pharmacy/visits/${id(visitId)}/print`, { version }),
      dispense: (orgId: string, visitId: string, version?: number) => http.post<Visit>(`${org(orgId)}/pharmacy/visits/${id(visitId)}/dispense`, { version }),
      prescriptionPage: (orgId: string, visitId: string) => http.blob(`${org(orgId)}/pharmacy/visits/${id(visitId)}/prescription.html`),
    },
    portal: {
      me: (orgId: string, signal?: AbortSignal) => http.get<Patient>(`${org(orgId)}/patients/me`, undefined, { signal }),
      appointments: (orgId: string, signal?: AbortSignal) => http.get<Appointment[]>(`${org(orgId)}/patients/me/appointments`, undefined, { signal }),
      visits: (orgId: string, signal?: AbortSignal) => http.get<PortalVisits>(`${org(orgId)}/patients/me/visits`, undefined, { signal }),
      prescriptionPage: (orgId: string, visitId: string) => http.blob(`${org(orgId)}/patients/me/visits/${id(visitId)}/prescription.html`),
    },
    displays: {
      list: (orgId: string, signal?: AbortSignal) => http.get<DisplayConfig[]>(`${org(orgId)}/displays`, undefined, { signal }),
      create: (orgId: string, input: NewDisplay) => http.post<DisplayWithToken>(`${org(orgId)}/displays`, input),
      update: (orgId: string, displayId: string, changes: DisplayChanges) => http.patch<DisplayConfig>(`${org(orgId)}/displays/${id(displayId)}`, changes),
      rotate: (orgId: string, displayId: string) => http.post<DisplayWithToken>(`${org(orgId)}/displays/${id(displayId)}/rotate-token`),
    },
    notifications: {
      failed: (orgId: string, signal?: AbortSignal) =>
        http.get<NotificationRecord[]>(`${org(orgId)}/notifications`, { status: 'failed', limit: 100 }, { signal }),
      retry: (orgId: string, notificationId: string) => http.post<NotificationRecord>(`${org(orgId)}/notifications/${id(notificationId)}/retry`),
    },
    audit: {
      list: (orgId: string, query: AuditQuery = {}, signal?: AbortSignal) =>
        http.get<AuditPage>(`${org(orgId)}/audit`, { ...query }, { signal }),
    },
  };
}

export type Api = ReturnType<typeof endpoints>;
