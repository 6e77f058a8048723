import type { Role } from '../../../workflows/roles';

const staffOfAnyOrg = ['org_admin', 'designer', 'dentist', 'doctor', 'receptionist', 'medical_staff'] as const;

/**
 * The one permission table: which membership roles may perform each action. Every route names its
 * action; one pre-handler checks it (plugins/auth.ts). Finer rules that depend on the row (a doctor
 * sees only their assigned patients) live in the services.
 */
export const permissions = {
  'org.create': ['super_admin'],
  'org.list': ['super_admin'],
  'org.read': [...staffOfAnyOrg, 'patient'],
  'org.update': ['org_admin'],
  'staff.list': ['org_admin'],
  'staff.create': ['org_admin'],
  'staff.update': ['org_admin'],
  'audit.read': ['org_admin'],
  'display.manage': ['org_admin'],
  // Lab cases: a dentist acts only on cases whose dentist they are (the service's row rule), and
  // caseMachine's role guards decide per event who may move a case.
  'case.read': ['org_admin', 'designer', 'dentist'],
  'case.create': ['org_admin', 'designer', 'dentist'],
  'case.update': ['org_admin', 'designer', 'dentist'],
  'case.delete': ['org_admin'],
  'case.transition': ['org_admin', 'designer', 'dentist'],
  'case.attachment.write': ['org_admin', 'designer', 'dentist'],
  'case.analytics': ['org_admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Action = keyof typeof permissions;

export function isAllowed(role: Role, action: Action): boolean {
  return (permissions[action] as readonly Role[]).includes(role);
}
