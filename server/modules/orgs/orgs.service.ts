import type { EntityManager } from '@mikro-orm/postgresql';
import type { Role } from '../../../workflows/roles';
import { ConflictError, invalid, NotFoundError } from '../../shared/errors';
import { assignChanged } from '../../shared/assign-changed';
import type { Caller, Scope } from '../../shared/scope';
import { canonicalTimeZone, serverTimeZone } from '../../shared/time-zone';
import { recordAudit } from '../audit/audit.service';
import { MembershipSchema, type Membership } from '../auth/membership.entity';
import { assertPasswordPolicy, hashPassword } from '../auth/password';
import { normaliseEmail, publicUser } from '../auth/auth.service';
import { UserSchema, type User } from '../auth/user.entity';
import { OrgSchema, type Org, type OrgKind, type StaffLimits, type ToothNumbering } from './org.entity';

/** Which roles each kind of org can hand out. Patients join clinics through registration, not staff management. */
export const staffRolesByKind: Record<OrgKind, readonly Role[]> = {
  platform: ['super_admin'],
  lab: ['org_admin', 'designer', 'dentist'],
  clinic: ['org_admin', 'doctor', 'receptionist', 'medical_staff'],
};

export interface NewOrg {
  kind: 'lab' | 'clinic';
  name: string;
  staffLimits: StaffLimits;
  toothNumbering?: ToothNumbering;
  /** IANA zone; the server's when omitted. */
  timeZone?: string;
  admin: { email: string; name: string; password: string };
}

/** Creates a lab or clinic with its first org_admin, who then manages the rest of the staff. */
export async function createOrg(em: EntityManager, caller: Caller, input: NewOrg) {
  assertLimitsFit(input.kind, input.staffLimits);
  assertPasswordPolicy(input.admin.password, 'admin.password');
  const timeZone = input.timeZone === undefined ? serverTimeZone : requireTimeZone(input.timeZone);
  return em.transactional(async (tx) => {
    const org = tx.create(OrgSchema, {
      kind: input.kind,
      name: input.name.trim(),
      staffLimits: input.staffLimits,
      toothNumbering: input.toothNumbering ?? 'FDI',
      timeZone,
    });
    const user = await findOrCreateUser(tx, input.admin);
    const membership = tx.create(MembershipSchema, { orgId: org.id, userId: user.id, role: 'org_admin' });
    recordAudit(tx, caller, { action: 'org.create', entityType: 'Org', entityId: org.id, orgId: org.id, changedFields: ['kind', 'name', 'staffLimits', 'timeZone'] });
    recordAudit(tx, caller, { action: 'staff.create', entityType: 'Membership', entityId: membership.id, orgId: org.id, changedFields: ['role'] });
    await tx.flush();
    return publicOrg(org);
  });
}

export async function listOrgs(em: EntityManager) {
  const orgs = await em.find(OrgSchema, { kind: { $ne: 'platform' } }, { orderBy: { name: 'asc' } });
  return orgs.map(publicOrg);
}

export async function getOrg({ em, caller }: Scope) {
  const org = await em.findOneOrFail(OrgSchema, { id: caller.orgId });
  return publicOrg(org);
}

export async function updateOrg({ em, caller }: Scope, changes: { name?: string; toothNumbering?: ToothNumbering; timeZone?: string }) {
  const timeZone = changes.timeZone === undefined ? undefined : requireTimeZone(changes.timeZone);
  return em.transactional(async (tx) => {
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    const changed = assignChanged(org, { ...changes, timeZone });
    if (changed.length) recordAudit(tx, caller, { action: 'org.update', entityType: 'Org', entityId: org.id, changedFields: changed });
    await tx.flush();
    return publicOrg(org);
  });
}

export interface NewStaff {
  email: string;
  name: string;
  role: Role;
  /** Required for a new person; someone who already has a login keeps their own password. */
  password?: string;
}

/** Adds a staff member, refusing with 409 once the org's plan limit for that role is reached. */
export async function createStaff({ em, caller }: Scope, input: NewStaff) {
  if (input.password !== undefined) assertPasswordPolicy(input.password);
  return em.transactional(async (tx) => {
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    assertRoleFitsOrg(org, input.role);
    await lockStaffRole(tx, org.id, input.role);
    await assertBelowLimit(tx, org, input.role);
    const user = await findOrCreateUser(tx, input);
    const existing = await tx.findOne(MembershipSchema, { orgId: org.id, userId: user.id });
    if (existing) throw new ConflictError('already_member', `${user.email} is already a member of this org`);
    const membership = tx.create(MembershipSchema, { orgId: org.id, userId: user.id, role: input.role });
    recordAudit(tx, caller, { action: 'staff.create', entityType: 'Membership', entityId: membership.id, changedFields: ['role', 'active'] });
    await tx.flush();
    return staffView(membership, user);
  });
}

export interface StaffChanges {
  name?: string;
  role?: Role;
  active?: boolean;
  password?: string;
}

/** Updates, activates or deactivates a member; activating or changing role re-checks the plan limit. */
export async function updateStaff({ em, caller }: Scope, membershipId: string, changes: StaffChanges) {
  if (changes.password !== undefined) assertPasswordPolicy(changes.password);
  return em.transactional(async (tx) => {
    const membership = await tx.findOne(MembershipSchema, { id: membershipId });
    if (!membership) throw new NotFoundError('Staff member');
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    const user = await tx.findOneOrFail(UserSchema, { id: membership.userId });
    const role = changes.role ?? membership.role;
    const active = changes.active ?? membership.active;
    if (changes.role) assertRoleFitsOrg(org, changes.role);
    const takesNewSeat = active && (!membership.active || role !== membership.role);
    if (takesNewSeat) {
      await lockStaffRole(tx, org.id, role);
      await assertBelowLimit(tx, org, role);
    }
    if (membership.role === 'org_admin' && membership.active && (!active || role !== 'org_admin')) {
      const admins = await tx.count(MembershipSchema, { orgId: org.id, role: 'org_admin', active: true });
      if (admins <= 1) throw new ConflictError('last_admin', 'The last active org_admin cannot be removed or deactivated');
    }
    const changed = assignChanged(membership, { role: changes.role, active: changes.active });
    if (changes.name !== undefined && changes.name !== user.name) {
      user.name = changes.name;
      changed.push('name');
    }
    if (changes.password !== undefined) {
      user.passwordHash = await hashPassword(changes.password);
      changed.push('password');
    }
    if (changed.length) recordAudit(tx, caller, { action: 'staff.update', entityType: 'Membership', entityId: membership.id, changedFields: changed });
    await tx.flush();
    return staffView(membership, user);
  });
}

export async function listStaff({ em, caller }: Scope, filter: { role?: Role; active?: boolean }) {
  const where: Record<string, unknown> = { role: { $ne: 'patient' } };
  if (filter.role) where.role = filter.role;
  if (filter.active !== undefined) where.active = filter.active;
  const memberships = await em.find(MembershipSchema, where, { orderBy: { createdAt: 'asc' } });
  const users = await em.find(UserSchema, { id: { $in: memberships.map((m) => m.userId) } });
  const userById = new Map(users.map((u) => [u.id, u]));
  const org = await em.findOneOrFail(OrgSchema, { id: caller.orgId });
  const counts = await activeCounts(em, org.id);
  return {
    items: memberships.map((m) => staffView(m, userById.get(m.userId)!)),
    limits: staffRolesByKind[org.kind].map((role) => ({ role, limit: org.staffLimits[role] ?? null, active: counts.get(role) ?? 0 })),
  };
}

/**
 * The lab's designers by user id, former ones included: cases keep pointing at a designer who has
 * left, and the board should still name them.
 */
export async function listDesigners({ em }: Scope) {
  const memberships = await em.find(MembershipSchema, { role: 'designer' });
  const users = await em.find(UserSchema, { id: { $in: memberships.map((m) => m.userId) } }, { orderBy: { name: 'asc' } });
  const activeIds = new Set(memberships.filter((m) => m.active).map((m) => m.userId));
  return users.map((user) => ({ id: user.id, name: user.name, active: activeIds.has(user.id) && user.active }));
}

function staffView(membership: Membership, user: User) {
  return { id: membership.id, role: membership.role, active: membership.active, user: publicUser(user) };
}

export function publicOrg(org: Org) {
  return { id: org.id, kind: org.kind, name: org.name, active: org.active, staffLimits: org.staffLimits, toothNumbering: org.toothNumbering, timeZone: org.timeZone };
}

async function findOrCreateUser(em: EntityManager, input: { email: string; name: string; password?: string }): Promise<User> {
  const email = normaliseEmail(input.email);
  const existing = await em.findOne(UserSchema, { email });
  if (existing) return existing;
  if (!input.password) throw invalid('password', 'is required for a person without a login');
  return em.create(UserSchema, { email, name: input.name.trim(), passwordHash: await hashPassword(input.password) });
}

function requireTimeZone(zone: string): string {
  const canonical = canonicalTimeZone(zone);
  if (!canonical) throw invalid('timeZone', 'is not an IANA time zone, e.g. America/Sao_Paulo');
  return canonical;
}

function assertRoleFitsOrg(org: Org, role: Role): void {
  if (!staffRolesByKind[org.kind].includes(role)) {
    throw invalid('role', `must be one of ${staffRolesByKind[org.kind].join(', ')} in a ${org.kind}`);
  }
}

function assertLimitsFit(kind: OrgKind, limits: StaffLimits): void {
  for (const role of Object.keys(limits)) {
    if (!staffRolesByKind[kind].includes(role as Role)) throw invalid(`staffLimits.${role}`, `is not a staff role of a ${kind}`);
  }
}

/** Serialises seat-taking per org and role, so two concurrent hires cannot both take the last seat. */
async function lockStaffRole(em: EntityManager, orgId: string, role: Role): Promise<void> {
  await em.getConnection().execute('select pg_advisory_xact_lock(hashtext(?))', [`staff:${orgId}:${role}`], 'get', em.getTransactionContext());
}

async function assertBelowLimit(em: EntityManager, org: Org, role: Role): Promise<void> {
  const limit = org.staffLimits[role];
  if (limit === undefined) return;
  const active = await em.count(MembershipSchema, { orgId: org.id, role, active: true });
  if (active >= limit) {
    throw new ConflictError('staff_limit_reached', `Plan limit reached: this org may have at most ${limit} active ${role} member${limit === 1 ? '' : 's'}`, { limit, role });
  }
}

async function activeCounts(em: EntityManager, orgId: string): Promise<Map<string, number>> {
  const rows = await em.getConnection().execute<{ role: string; count: string }[]>(
    'select role, count(*) from memberships where org_id = ? and active group by role',
    [orgId],
  );
  return new Map(rows.map((r) => [r.role, Number(r.count)]));
}
