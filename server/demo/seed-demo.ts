import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import type { Role } from '../../workflows/roles';
import { MembershipSchema } from '../modules/auth/membership.entity';
import { hashPassword } from '../modules/auth/password';
import { UserSchema } from '../modules/auth/user.entity';
import { DisplaySchema } from '../modules/displays/display.entity';
import { displayTokenHash } from '../modules/displays/displays.service';
import { OrgSchema, type OrgKind, type StaffLimits } from '../modules/orgs/org.entity';
import type { CaseEvent, RemakeReason } from '../../workflows/case.machine';
import type { Caller } from '../shared/scope';
import { serverTimeZone } from '../shared/time-zone';
import { LabCaseSchema, type LabCase } from '../modules/lab-cases/lab-case.entity';
import { applyCaseEvent } from '../modules/lab-cases/case-transitions.service';
import { addDays, claimCaseNumber, localToday } from '../modules/lab-cases/lab-cases.service';
import { tenantFilter } from '../db/orm';
import { createProfessional } from '../modules/professionals/professionals.service';
import { registerPatient, selfRegisterPatient, type NewPatient } from '../modules/patients/patients.service';
import { PatientSchema } from '../modules/patients/patient.entity';
import { bookAppointment, cancelAppointment, finishAppointment, markAppointmentNoShow } from '../modules/appointments/appointments.service';
import { AppointmentSchema } from '../modules/appointments/appointment.entity';
import { checkIn, sendVisitEvent } from '../modules/visits/visits.service';
import { VisitSchema } from '../modules/visits/visit.entity';
import { ConsultationSessionSchema } from '../modules/consultations/consultation-session.entity';
import { callNext } from '../modules/queue/queue.service';
import { completeConsultation, startConsultation } from '../modules/consultations/consultations.service';
import { addPrescriptionItem } from '../modules/prescriptions/prescriptions.service';
import { dispensePrescription, printPrescription } from '../modules/pharmacy/pharmacy.service';

export const demoPassword = 'Cuspid-demo-2026';
/** The demo orgs live in the server's zone, so the demo day is the day on the machine running it. */
const demoTimeZone = serverTimeZone;

/** The demo logins, also listed in README.md. */
export const demoLogins = {
  platform: [{ email: 'super@cuspid.demo', name: 'Sam Operator', role: 'super_admin' }],
  lab: [
    { email: 'manager@brightsmile.lab', name: 'Lena Manager', role: 'org_admin' },
    { email: 'dana@brightsmile.lab', name: 'Dana Designer', role: 'designer' },
    { email: 'omar@brightsmile.lab', name: 'Omar Designer', role: 'designer' },
    { email: 'dr.shah@brightsmile.lab', name: 'Dr. Priya Shah', role: 'dentist' },
  ],
  clinic: [
    { email: 'admin@riverside.clinic', name: 'Ruth Admin', role: 'org_admin' },
    { email: 'desk@riverside.clinic', name: 'Rita Reception', role: 'receptionist' },
    { email: 'dr.jefferson@riverside.clinic', name: 'Dr. Jefferson Alves', role: 'doctor' },
    { email: 'dr.okafor@riverside.clinic', name: 'Dr. Ngozi Okafor', role: 'doctor' },
    { email: 'pharmacy@riverside.clinic', name: 'Paulo Pharmacy', role: 'medical_staff' },
  ],
} satisfies Record<string, { email: string; name: string; role: Role }[]>;

const staffLimits: Record<Exclude<OrgKind, 'platform'>, StaffLimits> = {
  lab: { org_admin: 2, designer: 5, dentist: 20 },
  clinic: { org_admin: 2, doctor: 5, receptionist: 3, medical_staff: 3 },
};

/**
 * Creates the demo orgs and people once; returns false when the database already has data.
 * `displayToken` is the demo clinic's waiting-room screen (/display/<token>): random per install
 * (`newDisplayToken`), never a published constant, since a display token is its board's only key.
 */
export async function seedDemo(orm: MikroORM, displayToken: string): Promise<boolean> {
  const em = orm.em.fork();
  if ((await em.count(OrgSchema, {})) > 0) return false;
  const passwordHash = await hashPassword(demoPassword);
  await em.transactional(async (tx) => {
    addOrg(tx, 'platform', 'Cuspid Platform', {}, demoLogins.platform, passwordHash);
    const lab = addOrg(tx, 'lab', 'Bright Smile Dental Lab', staffLimits.lab, demoLogins.lab, passwordHash);
    const clinic = addOrg(tx, 'clinic', 'Riverside Dental Clinic', staffLimits.clinic, demoLogins.clinic, passwordHash);
    await tx.flush();
    await addLabCases(tx, lab.id);
    await addClinicDay(tx, clinic.id);
    tx.create(DisplaySchema, {
      orgId: clinic.id,
      name: 'Main waiting room',
      privacy: 'ticket_initials',
      tokenHash: displayTokenHash(displayToken),
      tokenIssuedAt: new Date(),
    });
  });
  return true;
}

function addOrg(em: EntityManager, kind: OrgKind, name: string, limits: StaffLimits, people: { email: string; name: string; role: Role }[], passwordHash: string) {
  const org = em.create(OrgSchema, { kind, name, staffLimits: limits, timeZone: demoTimeZone });
  for (const person of people) {
    // Demo people stand for owners of their addresses: they answer invitations without a reset first.
    const user = em.create(UserSchema, { email: person.email, name: person.name, passwordHash, emailConfirmedAt: new Date() });
    em.create(MembershipSchema, { orgId: org.id, userId: user.id, role: person.role });
  }
  return org;
}

/**
 * One demo lab case: who it is for, what to make, when it is due (days from today; negative is
 * overdue) and the workflow steps it has been through. `dentist: 'shah'` links the demo dentist's
 * login, so she sees the case; other dentists are known by name only.
 */
interface DemoCase {
  patient: string;
  account: string;
  dentist: 'shah' | string;
  teeth: string[];
  shade: string;
  material: string;
  caseType: string;
  due: number;
  notes?: string;
  steps: DemoStep[];
}

type DemoStep =
  | 'take:dana'
  | 'take:omar'
  | 'submit'
  | `adjust:${string}`
  | 'approve'
  | 'ship'
  | 'deliver'
  | `remake:${RemakeReason}:${string}`
  | `outsource:${string}`
  | 'return';

const designed = ['take:dana', 'submit'] as const satisfies DemoStep[];
const approved = [...designed, 'approve'] as const satisfies DemoStep[];
const delivered = [...approved, 'ship', 'deliver'] as const satisfies DemoStep[];

const demoCases: DemoCase[] = [
  // New: received, nobody on them yet (one overdue, one due today).
  { patient: 'Maria Gonzalez', account: 'ACC-2041', dentist: 'shah', teeth: ['11', '21'], shade: 'A2', material: 'Emax', caseType: 'Veneer', due: 6, notes: 'Minimal prep veneers, patient wants natural translucency', steps: [] },
  { patient: 'Thomas Becker', account: 'ACC-2042', dentist: 'Dr. Alan Whitfield', teeth: ['36'], shade: 'A3', material: 'Zirconia', caseType: 'Crown', due: -1, steps: [] },
  { patient: 'Aiko Tanaka', account: 'ACC-2043', dentist: 'shah', teeth: ['46'], shade: 'A3.5', material: 'Zirconia', caseType: 'Implant crown', due: 0, notes: 'Straumann BLT 4.1 RC, screw-retained', steps: [] },
  { patient: 'Samuel Okoro', account: 'ACC-2044', dentist: 'Dr. Hannah Lee', teeth: ['14', '15', '16'], shade: 'B2', material: 'PFM', caseType: 'Bridge', due: 9, steps: [] },
  { patient: 'Lucia Romano', account: 'ACC-2045', dentist: 'Dr. Alan Whitfield', teeth: [], shade: 'A1', material: 'PMMA', caseType: 'Night guard', due: 12, notes: 'Hard acrylic, upper arch', steps: [] },
  // In progress, including one back from an adjustment and one remake.
  { patient: 'James O’Connor', account: 'ACC-2046', dentist: 'shah', teeth: ['26'], shade: 'A2', material: 'Zirconia', caseType: 'Crown', due: 1, steps: ['take:dana'] },
  { patient: 'Fatima Al-Sayed', account: 'ACC-2047', dentist: 'Dr. Hannah Lee', teeth: ['12', '11', '21', '22'], shade: '2M2', material: 'Emax', caseType: 'Crown', due: 2, steps: ['take:omar'] },
  { patient: 'Peter Novak', account: 'ACC-2048', dentist: 'Dr. Alan Whitfield', teeth: ['47'], shade: 'A3', material: 'Gold', caseType: 'Onlay', due: -2, steps: ['take:omar'] },
  { patient: 'Grace Mensah', account: 'ACC-2049', dentist: 'shah', teeth: ['24', '25'], shade: 'A2', material: 'Zirconia', caseType: 'Bridge', due: 4, steps: [...designed, 'adjust:Open the contact between 24 and 25'] },
  { patient: 'Daniel Kim', account: 'ACC-2050', dentist: 'shah', teeth: ['31', '41'], shade: 'B1', material: 'Emax', caseType: 'Crown', due: 3, notes: 'Lower incisors, thin margins', steps: [...delivered, 'remake:shade_mismatch:Too grey next to 32 and 42'] },
  { patient: 'Olga Petrova', account: 'ACC-2051', dentist: 'Dr. Hannah Lee', teeth: [], shade: 'A1', material: 'Clear aligner', caseType: 'Aligner', due: 14, steps: ['take:dana'] },
  // Pending the dentist's approval, one of them back from a partner lab.
  { patient: 'Ahmed Hassan', account: 'ACC-2052', dentist: 'shah', teeth: ['16'], shade: 'A3', material: 'Zirconia', caseType: 'Crown', due: 2, steps: designed },
  { patient: 'Emily Clarke', account: 'ACC-2053', dentist: 'Dr. Alan Whitfield', teeth: ['13', '23'], shade: 'A2', material: 'Emax', caseType: 'Veneer', due: 0, steps: ['take:omar', 'submit'] },
  { patient: 'Noah Williams', account: 'ACC-2054', dentist: 'shah', teeth: ['36', '37'], shade: 'A3.5', material: 'Zirconia', caseType: 'Implant bridge', due: 7, notes: 'Two Nobel CC RP implants, custom abutments', steps: ['outsource:Precision Milling Partners', 'return'] },
  { patient: 'Sofia Lindqvist', account: 'ACC-2055', dentist: 'Dr. Hannah Lee', teeth: ['21'], shade: '1M2', material: 'Emax', caseType: 'Crown', due: 5, steps: designed },
  // Sent to a partner lab.
  { patient: 'Marcus Brown', account: 'ACC-2056', dentist: 'Dr. Alan Whitfield', teeth: [], shade: 'A1', material: 'Cobalt-chrome', caseType: 'Partial denture framework', due: 10, steps: ['outsource:Precision Milling Partners'] },
  { patient: 'Isabel Costa', account: 'ACC-2057', dentist: 'shah', teeth: ['45', '46', '47'], shade: 'A2', material: 'Zirconia', caseType: 'Bridge', due: 8, steps: ['take:dana', 'outsource:Northside Dental Studio'] },
  // Completed, not yet shipped.
  { patient: 'Hiroshi Sato', account: 'ACC-2058', dentist: 'shah', teeth: ['17'], shade: 'A3', material: 'Zirconia', caseType: 'Crown', due: 1, steps: approved },
  { patient: 'Chloe Martin', account: 'ACC-2059', dentist: 'Dr. Hannah Lee', teeth: ['11'], shade: 'B1', material: 'Emax', caseType: 'Crown', due: 3, steps: ['take:omar', 'submit', 'approve'] },
  { patient: 'Ravi Patel', account: 'ACC-2060', dentist: 'Dr. Alan Whitfield', teeth: [], shade: 'A1', material: 'PMMA', caseType: 'Surgical guide', due: 2, steps: approved },
  // Completed and shipped.
  { patient: 'Anna Schmidt', account: 'ACC-2061', dentist: 'shah', teeth: ['34', '35'], shade: 'A2', material: 'Zirconia', caseType: 'Crown', due: 0, steps: [...approved, 'ship'] },
  { patient: 'Kwame Asante', account: 'ACC-2062', dentist: 'Dr. Hannah Lee', teeth: ['22'], shade: 'A3', material: 'Emax', caseType: 'Veneer', due: 1, steps: ['take:omar', 'submit', 'approve', 'ship'] },
  // Delivered, one after an adjustment.
  { patient: 'Elena Popescu', account: 'ACC-2063', dentist: 'shah', teeth: ['44'], shade: 'A3.5', material: 'Zirconia', caseType: 'Crown', due: -3, steps: delivered },
  { patient: 'Liam Murphy', account: 'ACC-2064', dentist: 'Dr. Alan Whitfield', teeth: ['15'], shade: 'A2', material: 'Emax', caseType: 'Inlay', due: -5, steps: [...designed, 'adjust:Margin short on the distal', 'submit', 'approve', 'ship', 'deliver'] },
  { patient: 'Yara Haddad', account: 'ACC-2065', dentist: 'Dr. Hannah Lee', teeth: ['11', '12', '13', '21', '22', '23'], shade: 'B1', material: 'Zirconia', caseType: 'Bridge', due: -7, steps: ['take:omar', 'submit', 'approve', 'ship', 'deliver'] },
];

/**
 * The demo lab's cases, spread over every column and delivery step, with adjustments and a remake.
 * Every state comes from sending caseMachine events, so each case has its history rows.
 */
async function addLabCases(em: EntityManager, labId: string): Promise<void> {
  const users = await em.find(UserSchema, { email: { $in: demoLogins.lab.map((p) => p.email) } });
  const person = (email: string): Caller => {
    const login = demoLogins.lab.find((p) => p.email === email)!;
    return { userId: users.find((u) => u.email === email)!.id, orgId: labId, role: login.role, timeZone: demoTimeZone, requestId: 'demo-seed', ip: '127.0.0.1' };
  };
  const manager = person('manager@brightsmile.lab');
  const dana = person('dana@brightsmile.lab');
  const omar = person('omar@brightsmile.lab');
  const shah = person('dr.shah@brightsmile.lab');
  const today = localToday(demoTimeZone);

  for (const [index, demo] of demoCases.entries()) {
    const labCase: LabCase = em.create(LabCaseSchema, {
      orgId: labId,
      caseNumber: await claimCaseNumber(em, labId, null),
      patientName: demo.patient,
      accountNumber: demo.account,
      dentistName: demo.dentist === 'shah' ? 'Dr. Priya Shah' : demo.dentist,
      dentistUserId: demo.dentist === 'shah' ? shah.userId : null,
      toothNumbers: demo.teeth,
      // Shades starting with a digit are VITA 3D-Master ones.
      shadeSystem: /^\d/.test(demo.shade) ? 'VITA 3D-Master' : 'VITA',
      shade: demo.shade,
      material: demo.material,
      caseType: demo.caseType,
      notes: demo.notes ?? null,
      dueDate: addDays(today, demo.due),
      createdAt: new Date(Date.now() - (demoCases.length - index) * 3_600_000 * 7),
    });
    await em.flush();
    const clinician = demo.dentist === 'shah' ? shah : manager;
    for (const step of demo.steps) {
      const [kind, first = '', ...rest] = step.split(':');
      const at = new Date().toISOString();
      const taker = first === 'omar' ? omar : dana;
      const designer = labCase.assignedDesignerId === omar.userId ? omar : dana;
      const text = [first, ...rest].join(':');
      let actor: Caller;
      let event: CaseEvent;
      switch (kind) {
        case 'take':
          [actor, event] = [taker, { type: 'case.assignDesigner', actor: taker, designerId: taker.userId }];
          break;
        case 'submit':
          [actor, event] = [designer, { type: 'case.submitForApproval', actor: designer }];
          break;
        case 'adjust':
          [actor, event] = [clinician, { type: 'case.requestAdjustment', actor: clinician, notes: text }];
          break;
        case 'approve':
          [actor, event] = [clinician, { type: 'case.approve', actor: clinician, at }];
          break;
        case 'ship':
          [actor, event] = [manager, { type: 'case.ship', actor: manager }];
          break;
        case 'deliver':
          [actor, event] = [clinician, { type: 'case.deliver', actor: clinician }];
          break;
        case 'remake':
          [actor, event] = [clinician, { type: 'case.remake', actor: clinician, reason: first as RemakeReason, details: rest.join(':'), at }];
          break;
        case 'outsource':
          [actor, event] = [manager, { type: 'case.outsource', actor: manager, outsourcedTo: text }];
          break;
        default:
          [actor, event] = [manager, { type: 'case.returnFromOutsource', actor: manager }];
      }
      await applyCaseEvent(em, actor, labCase, event);
    }
    await em.flush();
  }
}

// ---- the clinic's day (issue 4) ---------------------------------------------------------------

/** The demo patient's portal login (not a staff member, so not in demoLogins). */
export const demoPatientLogin = { email: 'patient@riverside.clinic', password: demoPassword };

/** The demo patient's address is new to the empty database, so there is never an owner to tell. */
const noAccountMail = { registrationAttempt: () => undefined };

const demoPatients: NewPatient[] = [
  { fullName: 'Beatriz Santos', dateOfBirth: '1984-03-12', gender: 'female', phone: '+5511987650001', email: 'beatriz.santos@example.com', address: 'Rua Augusta 1200, São Paulo', medicalHistory: 'Hypertension, on losartan', consentEmail: true, consentWhatsapp: true },
  { fullName: 'Rafael Oliveira', dateOfBirth: '1991-07-28', gender: 'male', phone: '+5511987650002', email: 'rafael.oliveira@example.com', consentWhatsapp: true },
  { fullName: 'Helena Costa', dateOfBirth: '1958-11-02', gender: 'female', phone: '+5511987650003', address: 'Av. Paulista 900, São Paulo', medicalHistory: 'Type 2 diabetes; penicillin allergy', allergies: [{ substance: 'penicillins', reaction: 'Hives', severity: 'moderate' }], consentEmail: true },
  { fullName: 'Miguel Ferreira', dateOfBirth: '2012-05-19', gender: 'male', phone: '+5511987650004', email: 'ferreira.family@example.com', medicalHistory: 'Asthma (salbutamol as needed)', consentEmail: true },
  { fullName: 'Sophie Dubois', dateOfBirth: '1979-01-30', gender: 'female', phone: '+33612345678', email: 'sophie.dubois@example.fr', consentEmail: true, hideOnPublicScreens: true },
  { fullName: 'Kofi Mensah', dateOfBirth: '1988-09-09', gender: 'male', phone: '+233241234567', consentWhatsapp: true },
  { fullName: 'Valentina Rossi', dateOfBirth: '2001-12-24', gender: 'female', phone: '+393471234567', email: 'vale.rossi@example.it', consentEmail: true, consentWhatsapp: true },
  { fullName: 'Arjun Mehta', dateOfBirth: '1969-04-15', gender: 'male', phone: '+919820012345', medicalHistory: 'On warfarin (atrial fibrillation)' },
  { fullName: 'Larissa Almeida', dateOfBirth: '1995-08-03', gender: 'female', phone: '+5521998760009', email: 'larissa.almeida@example.com', consentWhatsapp: true },
  { fullName: 'Tomás Herrera', dateOfBirth: '1973-02-11', gender: 'male', phone: '+5491123456780', address: 'Calle Corrientes 1500, Buenos Aires' },
  { fullName: 'Yuki Nakamura', dateOfBirth: '1999-06-21', gender: 'undisclosed', phone: '+819012345678', email: 'yuki.n@example.jp', consentEmail: true },
  { fullName: 'Fernanda Lima', dateOfBirth: '1963-10-07', gender: 'female', phone: '+5511987650012', medicalHistory: 'Full upper denture' },
  { fullName: 'Oliver Smith', dateOfBirth: '1986-03-27', gender: 'male', phone: '+447911123456', email: 'oliver.smith@example.co.uk', consentEmail: true },
  { fullName: 'Amara Nwosu', dateOfBirth: '2008-01-14', gender: 'female', phone: '+2348031234567', consentWhatsapp: true },
  { fullName: 'Pedro Gomes', dateOfBirth: '1950-07-31', gender: 'male', phone: '+5511987650015', address: 'Rua da Consolação 45, São Paulo', medicalHistory: 'Pacemaker; on aspirin' },
];

const vitals = (i: number) => ({ heightCm: 150 + ((i * 7) % 40), weightKg: 55 + ((i * 11) % 40), systolic: 110 + ((i * 3) % 30), diastolic: 70 + (i % 15), pulse: 62 + ((i * 5) % 30), temperatureC: 36.4 + (i % 5) / 10 });

/**
 * Riverside's day: both doctors published with rooms and ticket letters, fifteen patients, today's
 * appointments, and visits at every step (waiting, called, in consultation, waiting for the
 * pharmacy, printed, closed), plus a patient with a portal login. Everything goes through the
 * services and the machines, so history, audit and screen events are what a real day leaves.
 */
async function addClinicDay(em: EntityManager, clinicId: string): Promise<void> {
  em.setFilterParams(tenantFilter, { orgId: clinicId });
  const memberships = await em.find(MembershipSchema, { orgId: clinicId });
  const users = await em.find(UserSchema, { id: { $in: memberships.map((m) => m.userId) } });
  const person = (email: string) => {
    const user = users.find((u) => u.email === email)!;
    const membership = memberships.find((m) => m.userId === user.id)!;
    return { membershipId: membership.id, scope: { em, caller: { userId: user.id, orgId: clinicId, role: membership.role, timeZone: demoTimeZone, requestId: 'demo-seed', ip: '127.0.0.1' } as Caller } };
  };
  const admin = person('admin@riverside.clinic').scope;
  const desk = person('desk@riverside.clinic').scope;
  const pharmacy = person('pharmacy@riverside.clinic').scope;
  const jefferson = person('dr.jefferson@riverside.clinic');
  const okafor = person('dr.okafor@riverside.clinic');
  const drJ = await createProfessional(admin, { membershipId: jefferson.membershipId, specialty: 'General Dentistry', councilNumber: 'CRO-SP 12345', room: 'Room 1', ticketPrefix: 'A' });
  const drO = await createProfessional(admin, { membershipId: okafor.membershipId, specialty: 'Orthodontics', councilNumber: 'CRO-SP 67890', room: 'Room 2', ticketPrefix: 'B' });

  const patients: { id: string }[] = [];
  for (const patient of demoPatients) patients.push(await registerPatient(desk, patient));
  await selfRegisterPatient(em, clinicId, { requestId: 'demo-seed', ip: '127.0.0.1' }, {
    email: demoPatientLogin.email,
    password: demoPatientLogin.password,
    fullName: 'Camila Rocha',
    dateOfBirth: '1992-09-18',
    gender: 'female',
    phone: '+5511987650099',
    address: 'Rua Oscar Freire 300, São Paulo',
    consentEmail: true,
    consentWhatsapp: true,
  }, noAccountMail);
  // Self-registration answers the same for every address; the new record is read back.
  const portal = await em.findOneOrFail(PatientSchema, { email: demoPatientLogin.email });

  const now = new Date();
  const midnight = DateTime.fromJSDate(now, { zone: demoTimeZone }).startOf('day');
  // The day's appointments were booked days before, and the booking rule refuses a start already
  // past: each is booked at its time a week ahead, then moved to its day, as the arrivals are below.
  const weekAhead = midnight.plus({ days: 7 });
  const bookOn = async (day: DateTime, i: number, professionalId: string, h: number, m: number, treatment: string, patientId = patients[i]!.id) => {
    const { id } = await bookAppointment(desk, { patientId, professionalId, treatment, startsAt: weekAhead.set({ hour: h, minute: m }).toISO()!, durationMinutes: 30 });
    const appointment = await em.findOneOrFail(AppointmentSchema, { id });
    const startsAt = day.set({ hour: h, minute: m });
    appointment.startsAt = startsAt.toJSDate();
    appointment.endsAt = startsAt.plus({ minutes: 30 }).toJSDate();
    appointment.context = { ...appointment.context, startsAt: appointment.startsAt.toISOString() };
    await em.flush();
    return appointment;
  };
  const book = (i: number, professionalId: string, h: number, m: number, treatment: string, patientId = patients[i]!.id) => bookOn(midnight, i, professionalId, h, m, treatment, patientId);
  const fromAppointment = async (appointmentId: string, i: number) => checkIn(desk, { appointmentId, vitals: vitals(i) });
  const walkIn = (i: number, professionalId: string, priority = 0, patientId = patients[i]!.id) => checkIn(desk, { patientId, professionalId, priority, vitals: vitals(i) });
  const doctorOf = (professionalId: string) => (professionalId === drJ.id ? jefferson.scope : okafor.scope);
  const consult = async (visitId: string, professionalId: string, items: [string, string, string, string][]) => {
    const doctor = doctorOf(professionalId);
    await callNext(doctor);
    await startConsultation(doctor, visitId, {});
    for (const [medicine, dosage, frequency, duration] of items) await addPrescriptionItem(doctor, visitId, { medicine, dosage, frequency, duration });
  };
  const complete = (visitId: string, professionalId: string) => completeConsultation(doctorOf(professionalId), visitId, {});
  const amoxicillin: [string, string, string, string] = ['Amoxicillin', '500 mg', 'every 8 hours', '7 days'];
  const ibuprofen: [string, string, string, string] = ['Ibuprofen', '400 mg', 'every 6 hours if pain', '3 days'];
  const chlorhexidine: [string, string, string, string] = ['Chlorhexidine mouthwash 0.12%', '15 ml', 'twice a day', '10 days'];

  // Dr. Jefferson: two seen and closed, one with him now, three waiting.
  const a0 = await book(0, drJ.id, 8, 0, 'Toothache, upper right molar');
  const v0 = await fromAppointment(a0.id, 0);
  await consult(v0.id, drJ.id, [amoxicillin, ibuprofen]);
  await complete(v0.id, drJ.id);
  await finishAppointment(desk, a0.id, {});
  await printPrescription(pharmacy, v0.id, {});
  await dispensePrescription(pharmacy, v0.id, {});
  await sendVisitEvent(pharmacy, v0.id, { type: 'close' });
  const v1 = await walkIn(1, drJ.id);
  await consult(v1.id, drJ.id, []);
  await complete(v1.id, drJ.id);
  await sendVisitEvent(desk, v1.id, { type: 'close' });
  const a2 = await book(2, drJ.id, 9, 0, 'Filling replacement');
  const v2 = await fromAppointment(a2.id, 2);
  await consult(v2.id, drJ.id, [ibuprofen]);
  const v3 = await walkIn(3, drJ.id);
  const a4 = await book(4, drJ.id, 10, 0, 'Cleaning and check-up');
  const v4 = await fromAppointment(a4.id, 4);
  const v5 = await walkIn(5, drJ.id);

  // Dr. Okafor: one closed, one printed (to hand over), one waiting for the pharmacy, an urgent walk-in called and one waiting.
  const a6 = await book(6, drO.id, 8, 0, 'Braces adjustment');
  const v6 = await fromAppointment(a6.id, 6);
  await consult(v6.id, drO.id, [chlorhexidine]);
  await complete(v6.id, drO.id);
  await printPrescription(pharmacy, v6.id, {});
  const a7 = await book(7, drO.id, 8, 30, 'Retainer fitting');
  const v7 = await fromAppointment(a7.id, 7);
  await consult(v7.id, drO.id, [ibuprofen]);
  await complete(v7.id, drO.id);
  const vPortal = await walkIn(0, drO.id, 0, portal.id);
  await consult(vPortal.id, drO.id, [chlorhexidine]);
  await complete(vPortal.id, drO.id);
  await printPrescription(pharmacy, vPortal.id, {});
  await dispensePrescription(pharmacy, vPortal.id, {});
  await sendVisitEvent(pharmacy, vPortal.id, { type: 'close' });
  const v8 = await walkIn(8, drO.id, 1);
  await callNext(okafor.scope);
  const a9 = await book(9, drO.id, 9, 30, 'Aligner review');
  const v9 = await fromAppointment(a9.id, 9);

  // Later today, one called off, and yesterday's patient who did not come.
  await book(10, drJ.id, 15, 0, 'Crown preparation');
  await book(11, drO.id, 15, 30, 'Orthodontic consultation');
  await book(12, drJ.id, 16, 30, 'Wisdom tooth assessment');
  const cancelled = await book(13, drO.id, 11, 0, 'Braces check');
  await cancelAppointment(desk, cancelled.id, { reason: 'Patient travelling' });
  const missed = await bookOn(midnight.minus({ days: 1 }), 14, drJ.id, 11, 30, 'Check-up');
  await markAppointmentNoShow(desk, missed.id, {});
  const tomorrow = midnight.plus({ days: 1 }).set({ hour: 10 }).toISO()!;
  await bookAppointment(desk, { patientId: portal.id, professionalId: drJ.id, treatment: 'Follow-up check', startsAt: tomorrow, durationMinutes: 30 });

  // Spread the arrivals over the morning so the boards show real waits; status and history stay as the machines left them.
  const arrivals = [v0, v1, v2, v3, v4, v5, v6, v7, vPortal, v8, v9];
  const startOfDay = midnight.set({ minute: 1 }).toMillis();
  for (const [index, visit] of arrivals.entries()) {
    await em.nativeUpdate(VisitSchema, { id: visit.id }, { checkedInAt: new Date(Math.max(startOfDay, now.getTime() - (arrivals.length - index) * 9 * 60_000)) });
  }
  // The seed's consultations took no time at all; a real one takes a quarter of an hour or so, and
  // the waits on the screens are estimated from them. Each finished one is laid end to end before now.
  const finished = await em.find(ConsultationSessionSchema, { completedAt: { $ne: null } }, { orderBy: { completedAt: 'desc' } });
  let end = now.getTime() - 6 * 60_000;
  for (const [index, session] of finished.entries()) {
    const minutes = 14 + ((index * 5) % 11);
    await em.nativeUpdate(ConsultationSessionSchema, { id: session.id }, { startedAt: new Date(end - minutes * 60_000), completedAt: new Date(end) });
    end -= (minutes + 3) * 60_000;
  }
}
