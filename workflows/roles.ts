/** Roles a user can hold in an org through a membership. */
export const roles = [
  'super_admin',
  'org_admin',
  'designer',
  'dentist',
  'doctor',
  'receptionist',
  'medical_staff',
  'patient',
] as const;

export type Role = (typeof roles)[number];

/** Whoever may send a machine event: a member acting in one role, or a background worker (`system`). */
export type Actor = Role | 'system';

/** The sender carried by every machine event; guards read its role, and a designer's id for self-assignment. */
export interface Caller {
  role: Actor;
  userId: string;
}
