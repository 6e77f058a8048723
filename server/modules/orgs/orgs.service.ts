import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import type { Role } from '../../../workflows/roles';
import { ConflictError, invalid, NotFoundError } from '../../shared/errors';
import { assignChanged } from '../../shared/assign-changed';
import { tenantFilter } from '../../db/orm';
import type { Caller, Scope } from '../../shared/scope';
import { canonicalTimeZone, serverTimeZone } from '../../shared/time-zone';
import { recordAudit } from '../audit/audit.service';
import { MembershipSchema, type Membership } from '../auth/membership.entity';
import { assertPasswordPolicy, hashPassword } from '../auth/password';
import { normaliseEmail, publicUser, type AccountActor } from '../auth/auth.service';
import { UserSchema, type User } from '../auth/user.entity';
import { endUserSessions } from '../auth';
import { endSockets } from '../realtime/outbox';
import { socketRooms } from '../realtime/rooms';
import type { AccountMail } from '../auth/account-mail';
import { OrgSchema, type Org, type OrgKind, type StaffLimits } from './org.entity';
import type { NewOrgBody, NewStaffBody, OperatorOrgChangesBody, OrgChangesBody, StaffChangesBody } from './orgs.schemas';
import { StaffInvitationSchema, type StaffInvitation } from './staff-invitation.entity';

export type NewOrg = Static<typeof NewOrgBody>;
export type OrgChanges = Static<typeof OrgChangesBody>;
export type OperatorOrgChanges = Static<typeof OperatorOrgChangesBody>;
export type NewStaff = Static<typeof NewStaffBody>;
export type StaffChanges = Static<typeof StaffChangesBody>;

/** Which roles each kind of org can hand out. Patients join clinics through registration, not staff management. */
export const staffRolesByKind: Record<OrgKind, readonly Role[]> = {
  platform: ['super_admin'],
  lab: ['org_admin', 'designer', 'dentist'],
  clinic: ['org_admin', 'doctor', 'receptionist', 'medical_staff'],
};


/** Creates a lab or clinic with its first org_admin, who then manages the rest of the staff. */
export async function createOrg(em: EntityManager, caller: Caller, input: NewOrg) {
  assertLimitsFit(input.kind, input.staffLimits);
  assertPasswordPolicy(input.admin.password, 'admin.password', [input.admin.email, input.admin.name, input.name]);
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

/** What an org admin may change about their own org: never its kind, plan limits or whether it is active. */
export async function updateOrg({ em, caller }: Scope, changes: OrgChanges) {
  const { name, toothNumbering } = changes;
  const timeZone = changes.timeZone === undefined ? undefined : requireTimeZone(changes.timeZone);
  return em.transactional(async (tx) => {
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    const changed = assignChanged(org, { name: name?.trim(), toothNumbering, timeZone });
    if (changed.length) recordAudit(tx, caller, { action: 'org.update', entityType: 'Org', entityId: org.id, changedFields: changed });
    await tx.flush();
    return publicOrg(org);
  });
}

/**
 * The platform operator's changes to a lab or clinic: its name, plan limits and whether it may sign
 * in. The platform's own org is not an org this route manages, and no org ever changes kind.
 */
export async function updateOrgAsOperator(em: EntityManager, caller: Caller, orgId: string, changes: OperatorOrgChanges) {
  const { name, staffLimits, active } = changes;
  return em.transactional(async (tx) => {
    const org = await tx.findOne(OrgSchema, { id: orgId, kind: { $ne: 'platform' } });
    if (!org) throw new NotFoundError('Organisation');
    if (staffLimits) assertLimitsFit(org.kind, staffLimits);
    const changed = assignChanged(org, { name: name?.trim(), active });
    if (staffLimits && JSON.stringify(staffLimits) !== JSON.stringify(org.staffLimits)) {
      org.staffLimits = staffLimits;
      changed.push('staffLimits');
    }
    if (changed.length) recordAudit(tx, caller, { action: 'org.update', entityType: 'Org', entityId: org.id, orgId: org.id, changedFields: changed });
    // Requests in the org are refused from the commit on; its sockets go too, and its members' come back for their other orgs only.
    if (changed.includes('active') && !org.active) endSockets(tx, { orgId: org.id, rooms: [socketRooms.org(org.id)], reason: 'org.deactivated' });
    await tx.flush();
    return publicOrg(org);
  });
}

/** How long an invitation to an existing account stays open. */
const invitationDays = 14;

/**
 * Adds a person to the org. An address without an account becomes a new login with the password the
 * admin gives (201, the new member). An address that already has an account is never touched: its
 * owner is invited and joins after signing in (202, the invitation), and the answer says nothing of
 * the account (not its name, not its other orgs). Refused with 409 once the plan limit for the role
 * is reached.
 */
export async function createStaff({ em, caller }: Scope, input: NewStaff, mail: Pick<AccountMail, 'invitation'>): Promise<StaffAddition> {
  const { name, role, password } = input;
  const email = normaliseEmail(input.email);
  if (password !== undefined) assertPasswordPolicy(password, 'password', [email, name]);
  const addition = await em.transactional(async (tx): Promise<StaffAddition & { orgName: string }> => {
    const org = await tx.findOneOrFail(OrgSchema, { id: caller.orgId });
    assertRoleFitsOrg(org, role);
    await lockStaffRole(tx, org.id, role);
    await assertBelowLimit(tx, org, role);
    const existing = await tx.findOne(UserSchema, { email });
    if (existing) {
      if (await tx.findOne(MembershipSchema, { orgId: org.id, userId: existing.id })) {
        throw new ConflictError('already_member', `${email} is already a member of this org`);
      }
      // An unanswered invitation past its date makes way for a new one.
      await tx.nativeUpdate(StaffInvitationSchema, { orgId: org.id, email, acceptedAt: null, declinedAt: null, revokedAt: null, expiresAt: { $lte: new Date() } }, { revokedAt: new Date() });
      const pending = await tx.findOne(StaffInvitationSchema, { orgId: org.id, email, ...openInvitation() });
      if (pending) throw new ConflictError('already_invited', `${email} has already been invited`);
      const invitation = tx.create(StaffInvitationSchema, {
        orgId: org.id,
        email,
        role,
        invitedByUserId: caller.userId,
        expiresAt: new Date(Date.now() + invitationDays * 86_400_000),
      });
      recordAudit(tx, caller, { action: 'staff.invite', entityType: 'StaffInvitation', entityId: invitation.id, changedFields: ['email', 'role'] });
      await tx.flush();
      return { status: 'invited', invitation: invitationView(invitation), orgName: org.name };
    }
    if (password === undefined) throw invalid('password', 'is required for a person without a login');
    const user = tx.create(UserSchema, { email, name: name.trim(), passwordHash: await hashPassword(password) });
    const membership = tx.create(MembershipSchema, { orgId: org.id, userId: user.id, role });
    recordAudit(tx, caller, { action: 'staff.create', entityType: 'Membership', entityId: membership.id, changedFields: ['role', 'active'] });
    await tx.flush();
    return { status: 'added', member: staffView(membership, user), orgName: org.name };
  });
  if (addition.status === 'invited') mail.invitation(email, addition.orgName);
  const { orgName: _orgName, ...answer } = addition;
  return answer;
}

export type StaffAddition = { status: 'added'; member: ReturnType<typeof staffView> } | { status: 'invited'; invitation: ReturnType<typeof invitationView> };

/**
 * Changes a member's role or activates or deactivates them; activating or changing role re-checks
 * the plan limit. The person's name, email and password are theirs: no org admin changes them.
 * Every org the person belongs to hears of the change in its own audit trail, and a member who
 * loses access or changes role signs in again everywhere.
 */
export async function updateStaff({ em, caller }: Scope, membershipId: string, changes: StaffChanges) {
  return em.transactional(async (tx) => {
    const membership = await tx.findOne(MembershipSchema, { id: membershipId });
    if (!membership || membership.role === 'patient') throw new NotFoundError('Staff member');
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
    if (changed.includes('active') && !membership.active) await endUserSessions(tx, membership.userId, 'deactivated');
    else if (changed.includes('role')) await endUserSessions(tx, membership.userId, 'role_changed');
    if (changed.length) await auditMembershipChange(tx, caller, membership, 'staff.update', changed);
    await tx.flush();
    return staffView(membership, user);
  });
}

/**
 * A membership change is recorded in the org that made it and, as a change to the person's account,
 * in every other org they belong to: each org's admins can see who changed the access of their people.
 */
async function auditMembershipChange(em: EntityManager, caller: Caller, membership: Membership, action: string, changed: string[]): Promise<void> {
  recordAudit(em, caller, { action, entityType: 'Membership', entityId: membership.id, orgId: membership.orgId, changedFields: changed });
  const elsewhere = await em.find(MembershipSchema, { userId: membership.userId, orgId: { $ne: membership.orgId } }, { filters: { tenant: false } });
  for (const other of elsewhere) {
    recordAudit(em, caller, { action: 'account.membershipChanged', entityType: 'User', entityId: membership.userId, orgId: other.orgId, changedFields: changed });
  }
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

/** Open: neither accepted, declined nor revoked, and not expired. */
function openInvitation() {
  return { acceptedAt: null, declinedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } };
}

function invitationView(invitation: StaffInvitation) {
  return { id: invitation.id, email: invitation.email, role: invitation.role, createdAt: invitation.createdAt.toISOString(), expiresAt: invitation.expiresAt.toISOString() };
}

/** The org's open invitations, for its admin to see who has not answered yet. */
export async function listStaffInvitations({ em }: Scope) {
  const invitations = await em.find(StaffInvitationSchema, openInvitation(), { orderBy: { createdAt: 'asc' } });
  return invitations.map(invitationView);
}

/** Withdraws an open invitation; its link to the org ends at once. */
export async function revokeStaffInvitation({ em, caller }: Scope, invitationId: string): Promise<void> {
  await em.transactional(async (tx) => {
    const invitation = await tx.findOne(StaffInvitationSchema, { id: invitationId, ...openInvitation() });
    if (!invitation) throw new NotFoundError('Invitation');
    invitation.revokedAt = new Date();
    recordAudit(tx, caller, { action: 'staff.revokeInvitation', entityType: 'StaffInvitation', entityId: invitation.id, changedFields: ['revokedAt'] });
    await tx.flush();
  });
}

/** The signed-in person's open invitations, with the name of the org that sent each. */
export async function listMyInvitations(em: EntityManager, userId: string) {
  const user = await em.findOneOrFail(UserSchema, { id: userId });
  const invitations = await em.find(StaffInvitationSchema, { email: user.email, ...openInvitation() }, { filters: { tenant: false }, orderBy: { createdAt: 'asc' } });
  const orgs = await em.find(OrgSchema, { id: { $in: invitations.map((i) => i.orgId) }, active: true });
  const orgById = new Map(orgs.map((o) => [o.id, o]));
  return invitations.flatMap((invitation) => {
    const org = orgById.get(invitation.orgId);
    return org ? [{ ...invitationView(invitation), orgId: org.id, orgName: org.name, orgKind: org.kind }] : [];
  });
}

/**
 * Accepts an invitation addressed to the caller's own email: the membership starts now, within the
 * plan limit as it stands now.
 */
export async function acceptInvitation(em: EntityManager, actor: AccountActor, invitationId: string) {
  return em.transactional(async (tx) => {
    const { invitation, user, org } = await requireMyInvitation(tx, actor, invitationId);
    await lockStaffRole(tx, org.id, invitation.role);
    await assertBelowLimit(tx, org, invitation.role);
    const existing = await tx.findOne(MembershipSchema, { orgId: org.id, userId: user.id }, { filters: { tenant: false } });
    if (existing) throw new ConflictError('already_member', 'You are already a member of this org');
    invitation.acceptedAt = new Date();
    const membership = tx.create(MembershipSchema, { orgId: org.id, userId: user.id, role: invitation.role });
    const caller: Caller = { userId: user.id, orgId: org.id, role: invitation.role, timeZone: org.timeZone, requestId: actor.requestId, ip: actor.ip };
    await auditMembershipChange(tx, caller, membership, 'staff.acceptInvitation', ['role', 'active']);
    await tx.flush();
    return { orgId: org.id, orgName: org.name, orgKind: org.kind, role: membership.role };
  });
}

export async function declineInvitation(em: EntityManager, actor: AccountActor, invitationId: string): Promise<void> {
  await em.transactional(async (tx) => {
    const { invitation, user, org } = await requireMyInvitation(tx, actor, invitationId);
    invitation.declinedAt = new Date();
    const caller: Caller = { userId: user.id, orgId: org.id, role: invitation.role, timeZone: org.timeZone, requestId: actor.requestId, ip: actor.ip };
    recordAudit(tx, caller, { action: 'staff.declineInvitation', entityType: 'StaffInvitation', entityId: invitation.id, changedFields: ['declinedAt'] });
    await tx.flush();
  });
}

/** Someone else's invitation is not found: its existence is not the caller's to learn. */
async function requireMyInvitation(em: EntityManager, actor: AccountActor, invitationId: string) {
  const user = await em.findOneOrFail(UserSchema, { id: actor.userId });
  const invitation = await em.findOne(
    StaffInvitationSchema,
    { id: invitationId, email: user.email, ...openInvitation() },
    { filters: { tenant: false }, lockMode: LockMode.PESSIMISTIC_WRITE },
  );
  const org = invitation ? await em.findOne(OrgSchema, { id: invitation.orgId, active: true }) : null;
  if (!invitation || !org) throw new NotFoundError('Invitation');
  // The invitation is the address's, and a password is not the address: whoever registered it, or
  // an admin who set up the account, knows the password too. Only a mailed link shows the inbox.
  if (!user.emailConfirmedAt) {
    throw new ConflictError(
      'email_unconfirmed',
      'Answering an invitation needs proof that this address is yours: choose a new password with the link from “Forgot your password?” on the sign-in page, then answer it.',
    );
  }
  // From here on the person acts in the inviting org: its rows, and only its, are in view.
  em.setFilterParams(tenantFilter, { orgId: org.id });
  return { invitation, user, org };
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
