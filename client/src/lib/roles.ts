import type { Membership, OrgKind, Role } from './api/types';

/** Roles as people in a lab or a clinic call them. */
export function roleLabel(role: Role, kind?: OrgKind): string {
  switch (role) {
    case 'super_admin':
      return 'Platform operator';
    case 'org_admin':
      return kind === 'lab' ? 'Lab manager' : kind === 'clinic' ? 'Clinic admin' : 'Administrator';
    case 'designer':
      return 'Designer';
    case 'dentist':
      return 'Dentist';
    case 'doctor':
      return 'Doctor';
    case 'receptionist':
      return 'Receptionist';
    case 'medical_staff':
      return 'Pharmacy';
    case 'patient':
      return 'Patient';
  }
}

/** Plural, for plan-limit meters: "Designers 3 of 5". */
export function rolePlural(role: Role, kind?: OrgKind): string {
  if (role === 'org_admin') return kind === 'lab' ? 'Lab managers' : 'Admins';
  if (role === 'medical_staff') return 'Pharmacy staff';
  return `${roleLabel(role, kind)}s`;
}

export function orgKindLabel(kind: OrgKind): string {
  return kind === 'lab' ? 'Dental lab' : kind === 'clinic' ? 'Clinic' : 'Platform';
}

/** Staff roles each kind of org hands out (mirrors server/modules/orgs/orgs.service.ts). */
export const staffRolesByKind: Record<OrgKind, readonly Role[]> = {
  platform: ['super_admin'],
  lab: ['org_admin', 'designer', 'dentist'],
  clinic: ['org_admin', 'doctor', 'receptionist', 'medical_staff'],
};

/** The screen a member lands on: where their day's work is. */
export function homePath(membership: Pick<Membership, 'role' | 'orgKind'> | null | undefined): string {
  if (!membership) return '/no-access';
  switch (membership.role) {
    case 'super_admin':
      return '/platform';
    case 'designer':
    case 'dentist':
      return '/lab/board';
    case 'org_admin':
      return membership.orgKind === 'lab' ? '/lab/board' : '/reception';
    case 'receptionist':
      return '/reception';
    case 'doctor':
      return '/queue';
    case 'medical_staff':
      return '/pharmacy';
    case 'patient':
      return '/portal';
  }
}

export interface NavItem {
  href: string;
  label: string;
  /** Also active on these path prefixes. */
  match: string;
}

/** The header's links for one membership, in the order of the day's work. */
export function navFor(membership: Pick<Membership, 'role' | 'orgKind'> | null | undefined): NavItem[] {
  if (!membership) return [];
  const { role, orgKind } = membership;
  const items: NavItem[] = [];
  if (role === 'super_admin') items.push({ href: '/platform', label: 'Organisations', match: '/platform' });
  if (orgKind === 'lab' && (role === 'org_admin' || role === 'designer' || role === 'dentist')) {
    items.push({ href: '/lab/board', label: 'Case board', match: '/lab' });
  }
  if (orgKind === 'clinic') {
    if (role === 'receptionist' || role === 'org_admin') items.push({ href: '/reception', label: 'Reception', match: '/reception' });
    if (role === 'doctor') items.push({ href: '/queue', label: 'My queue', match: '/queue' });
    if (role === 'medical_staff' || role === 'org_admin') items.push({ href: '/pharmacy', label: 'Pharmacy', match: '/pharmacy' });
    if (role === 'patient') items.push({ href: '/portal', label: 'My visits', match: '/portal' });
  }
  if (role === 'org_admin') items.push({ href: '/admin/staff', label: 'Admin', match: '/admin' });
  return items;
}
