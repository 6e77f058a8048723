import type { Role } from '../../../workflows/roles';
import type { OrgKind } from '../orgs/org.entity';

const staffOfAnyOrg = ['org_admin', 'designer', 'dentist', 'doctor', 'receptionist', 'medical_staff'] as const;

/**
 * The one permission table: which membership roles may perform each action. Every route names its
 * action; one pre-handler checks it (plugins/auth.ts). Finer rules that depend on the row (a doctor
 * sees only their assigned patients) live in the services.
 */
export const permissions = {
  'org.create': ['super_admin'],
  'org.list': ['super_admin'],
  /** A lab's or clinic's name, plan limits and whether it is active: the platform's, never the org's own admin's. */
  'org.manage': ['super_admin'],
  'org.read': [...staffOfAnyOrg, 'patient'],
  'org.update': ['org_admin'],
  'staff.list': ['org_admin'],
  'staff.create': ['org_admin'],
  'staff.update': ['org_admin'],
  'audit.read': ['org_admin'],
  /** The whole trail of one patient or one lab case, as JSON or CSV. */
  'audit.export': ['org_admin'],
  'display.manage': ['org_admin'],
  'notification.manage': ['org_admin'],
  // Lab cases: a dentist acts only on cases whose dentist they are (the service's row rule), and
  // caseMachine's role guards decide per event who may move a case.
  'case.read': ['org_admin', 'designer', 'dentist'],
  'case.create': ['org_admin', 'designer', 'dentist'],
  'case.update': ['org_admin', 'designer', 'dentist'],
  'case.delete': ['org_admin'],
  'case.transition': ['org_admin', 'designer', 'dentist'],
  'case.attachment.write': ['org_admin', 'designer', 'dentist'],
  'case.analytics': ['org_admin'],
  // Clinic flow (seed 003's table, seed 002's pharmacy, seed 004's professionals). Row rules live in
  // the services: a doctor reads only patients assigned to them, a patient only themselves, and a
  // row the caller may not see answers 404.
  'patient.create': ['org_admin', 'receptionist'],
  'patient.list': ['org_admin', 'receptionist'],
  'patient.read': ['org_admin', 'receptionist', 'doctor', 'patient'],
  'patient.update': ['org_admin', 'receptionist', 'patient'],
  'patient.delete': ['org_admin'],
  /** Allergies are told at the desk and found in the chair: the doctor records them too (their assigned patients only). */
  'patient.allergies': ['org_admin', 'receptionist', 'doctor'],
  'treatment.create': ['doctor'],
  /** The patient portal: the caller's own record, appointments, visits and prescriptions. */
  'portal.read': ['patient'],
  'professional.create': ['org_admin'],
  'professional.update': ['org_admin'],
  'professional.list': [...staffOfAnyOrg, 'patient'],
  'appointment.create': ['org_admin', 'receptionist', 'patient'],
  'appointment.change': ['org_admin', 'receptionist', 'patient'],
  'appointment.noShow': ['org_admin', 'receptionist'],
  'appointment.finish': ['org_admin', 'receptionist', 'doctor'],
  'appointment.list': ['org_admin', 'receptionist', 'doctor'],
  'visit.checkIn': ['org_admin', 'receptionist'],
  /** A visit with vitals and sessions. Not the pharmacy's: it dispenses from its queue (pharmacy.read), which holds only what that needs. */
  'visit.read': ['org_admin', 'receptionist', 'doctor'],
  /** Cancel, no-show, requeue, recall, close, expire: visitMachine decides per event and role. */
  'visit.transition': ['org_admin', 'receptionist', 'doctor', 'medical_staff'],
  'queue.reception': ['org_admin', 'receptionist'],
  'queue.summary': ['org_admin', 'receptionist', 'doctor'],
  /** The doctor's own queue and consultations: call next, start, prescribe, complete. */
  'consultation.run': ['doctor'],
  'pharmacy.read': ['org_admin', 'medical_staff'],
  'pharmacy.print': ['org_admin', 'medical_staff'],
  'pharmacy.dispense': ['org_admin', 'medical_staff'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof permissions;

const clinicActions = [
  'display.manage',
  'patient.create', 'patient.list', 'patient.read', 'patient.update', 'patient.delete', 'patient.allergies',
  'treatment.create', 'portal.read',
  'professional.create', 'professional.update', 'professional.list',
  'appointment.create', 'appointment.change', 'appointment.noShow', 'appointment.finish', 'appointment.list',
  'visit.checkIn', 'visit.read', 'visit.transition', 'queue.reception', 'queue.summary', 'consultation.run',
  'pharmacy.read', 'pharmacy.print', 'pharmacy.dispense',
] as const satisfies readonly Action[];
const labActions = ['case.read', 'case.create', 'case.update', 'case.delete', 'case.transition', 'case.attachment.write', 'case.analytics'] as const satisfies readonly Action[];

/**
 * The kind of org an action exists in: a lab has no patients or waiting room, a clinic no case board.
 * An org_admin is an org_admin of both kinds, so the role alone cannot say this.
 */
const actionKinds: Partial<Record<Action, OrgKind>> = {
  ...Object.fromEntries(clinicActions.map((action) => [action, 'clinic'])),
  ...Object.fromEntries(labActions.map((action) => [action, 'lab'])),
};

/** Whether a member with this role in an org of this kind may perform the action. */
export function isAllowed(role: Role, action: Action, kind: OrgKind): boolean {
  const only = actionKinds[action];
  return (permissions[action] as readonly Role[]).includes(role) && (only === undefined || only === kind);
}
