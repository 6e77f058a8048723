import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { CountryCode } from 'libphonenumber-js/max';
import type { Static } from 'typebox';
import { invalid, TooManyRequestsError, UnauthenticatedError, ValidationError, type FieldError } from '../../shared/errors';
import { normalisePhone, phoneCountryOf, phoneProblem } from '../../shared/phone';
import { recordAudit } from '../audit/audit.service';
import type { AccountMail } from './account-mail';
import type { AccountBody, AccountChangesBody } from './auth.schemas';
import { PasswordResetSchema } from './password-reset.entity';
import { endUserSessions } from './sessions';
import { OrgSchema } from '../orgs/org.entity';
import type { LoginThrottle } from './login-throttle';
import { MembershipSchema } from './membership.entity';
import { userAccess } from './memberships';
import { assertPasswordPolicy, decoyPasswordHash, hashPassword, verifyPassword } from './password';
import { RefreshTokenSchema } from './refresh-token.entity';
import { UserSchema, type User } from './user.entity';

export interface AuthSettings {
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** `version`: the user's session version, carried by the token as `ver`. */
  signAccessToken: (userId: string, version: number) => string;
  throttle: LoginThrottle;
}

/** Someone acting on their own account, outside any org: who, and the request it came with (for the audit trail). */
export interface AccountActor {
  userId: string;
  requestId: string;
  ip: string;
}

export type AccountChanges = Static<typeof AccountChangesBody>;

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const noTenant = { filters: { tenant: false } } as const;

/** A reset link's life, and how many may be open at once for one account. */
const resetMinutes = 30;
const maxOpenResets = 3;

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Same words for a wrong password, an unknown email and an inactive account: none is revealed. */
const badCredentials = () => new UnauthenticatedError('Invalid email or password');

export class AuthService {
  constructor(private readonly settings: AuthSettings) {}

  /** Checks credentials (throttled per account and per IP) and opens a new refresh-token family. */
  async login(em: EntityManager, email: string, password: string, ip: string): Promise<Session> {
    const normalised = normaliseEmail(email);
    if (await this.settings.throttle.isLocked(normalised, ip)) {
      throw new TooManyRequestsError('Too many failed login attempts. Wait 15 minutes and try again.');
    }
    const user = await em.findOne(UserSchema, { email: normalised });
    const passwordOk = await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password);
    // Someone whose every org is suspended, or every membership ended, has nothing to sign in to.
    if (!user || !passwordOk || !user.active || !(await userAccess(em, user.id))?.memberships.length) {
      await this.settings.throttle.recordFailure(normalised, ip);
      throw badCredentials();
    }
    await this.settings.throttle.recordSuccess(normalised);
    return this.issue(em, user.id, randomUUID());
  }

  /**
   * Spends a refresh token and issues its successor. A token spent twice means it was stolen (or
   * replayed): the whole family is revoked, logging out both the thief and the owner.
   */
  async refresh(em: EntityManager, refreshToken: string): Promise<Session> {
    const stored = await em.findOne(RefreshTokenSchema, { tokenHash: hashToken(refreshToken) });
    if (!stored || stored.revokedAt || stored.expiresAt <= new Date()) throw new UnauthenticatedError('Refresh token is not valid');
    // A family opened before the user's sessions ended is refused even if its revocation raced with this refresh.
    const user = await em.findOne(UserSchema, { id: stored.userId });
    if (!user?.active || user.sessionVersion !== stored.sessionVersion) throw new UnauthenticatedError('Refresh token is not valid');
    // As at sign-in: someone whose every org is suspended, or every membership ended, has no session to keep going.
    if (!(await userAccess(em, user.id))?.memberships.length) throw new UnauthenticatedError('Refresh token is not valid');
    // Conditional update so two concurrent refreshes cannot both spend the same token.
    const spent = await em.nativeUpdate(RefreshTokenSchema, { id: stored.id, spentAt: null }, { spentAt: new Date() });
    if (spent === 0) {
      await this.revokeFamily(em, stored.familyId);
      throw new UnauthenticatedError('Refresh token was already used; all sessions of this login were revoked');
    }
    return this.issue(em, stored.userId, stored.familyId);
  }

  /**
   * The signed-in user changes their own password, proving they know the current one (throttled as
   * logins are). Every other session of theirs ends; this device gets a fresh one.
   */
  async changePassword(em: EntityManager, actor: AccountActor, currentPassword: string, newPassword: string): Promise<Session> {
    const { userId, ip } = actor;
    const user = await em.findOne(UserSchema, { id: userId });
    if (!user?.active) throw new UnauthenticatedError();
    if (await this.settings.throttle.isLocked(user.email, ip)) {
      throw new TooManyRequestsError('Too many wrong passwords. Wait 15 minutes and try again.');
    }
    if (!(await verifyPassword(user.passwordHash, currentPassword))) {
      await this.settings.throttle.recordFailure(user.email, ip);
      throw invalid('currentPassword', 'is not your current password');
    }
    assertPasswordPolicy(newPassword, 'newPassword', [user.email, user.name]);
    return em.transactional(async (tx) => {
      const mine = await tx.findOneOrFail(UserSchema, { id: userId });
      mine.passwordHash = await hashPassword(newPassword);
      await endUserSessions(tx, userId, 'password_changed');
      await recordAccountAudit(tx, actor, 'account.changePassword', ['password']);
      await tx.flush();
      return this.issue(tx, userId, randomUUID());
    });
  }

  /**
   * Mails a one-time reset link when the address has an active account. The answer is the same
   * either way and the mail goes out after the answer, so this reveals no account. A handful of open
   * links per account at most, so nobody can fill a person's inbox.
   */
  async requestPasswordReset(em: EntityManager, email: string, mail: Pick<AccountMail, 'passwordReset'>): Promise<void> {
    const user = await em.findOne(UserSchema, { email: normaliseEmail(email) });
    if (!user?.active) return;
    const open = await em.count(PasswordResetSchema, { userId: user.id, usedAt: null, expiresAt: { $gt: new Date() } });
    if (open >= maxOpenResets) return;
    const token = randomBytes(32).toString('base64url');
    em.create(PasswordResetSchema, { userId: user.id, tokenHash: hashToken(token), expiresAt: new Date(Date.now() + resetMinutes * 60_000) });
    await em.flush();
    mail.passwordReset(user.email, token);
  }

  /**
   * Spends a reset link (once, before it expires) to set a new password. Every session of the
   * account ends, and every other open link of it is spent too.
   */
  async completePasswordReset(em: EntityManager, request: { requestId: string; ip: string }, token: string, newPassword: string): Promise<void> {
    await em.transactional(async (tx) => {
      const reset = await tx.findOne(PasswordResetSchema, { tokenHash: hashToken(token) });
      const user = reset ? await tx.findOne(UserSchema, { id: reset.userId }) : null;
      if (!reset || !user?.active || reset.usedAt || reset.expiresAt <= new Date()) throw invalid('token', 'this link is not valid any more; ask for a new one');
      assertPasswordPolicy(newPassword, 'newPassword', [user.email, user.name]);
      // Conditional, so two submissions of one link cannot both set a password.
      const spent = await tx.nativeUpdate(PasswordResetSchema, { userId: user.id, usedAt: null }, { usedAt: new Date() });
      if (spent === 0) throw invalid('token', 'this link is not valid any more; ask for a new one');
      user.passwordHash = await hashPassword(newPassword);
      // The link came through the inbox: its owner holds the account from now on.
      user.emailConfirmedAt ??= new Date();
      await endUserSessions(tx, user.id, 'password_reset');
      await recordAccountAudit(tx, { ...request, userId: user.id }, 'account.resetPassword', ['password']);
      await tx.flush();
      await this.settings.throttle.recordSuccess(user.email);
    });
  }

  /**
   * The signed-in user's own name, phone and WhatsApp consent: theirs to change, nobody else's. A
   * national number is read in the country of the user's orgs when they all share one; consent needs
   * a phone, and removing the phone withdraws it. Each change is audited by field name only.
   */
  async updateMe(em: EntityManager, actor: AccountActor, changes: AccountChanges) {
    const user = await em.findOne(UserSchema, { id: actor.userId });
    if (!user?.active) throw new UnauthenticatedError();
    const problems: FieldError[] = [];
    const name = changes.name?.trim();
    if (name === '') problems.push({ field: 'name', message: 'must not be blank' });
    let phone = user.phone ?? null;
    if (changes.phone === null) phone = null;
    else if (changes.phone !== undefined) {
      const country = await this.phoneCountryOfMember(em, user.id);
      phone = normalisePhone(changes.phone, country);
      if (!phone) problems.push({ field: 'phone', message: phoneProblem(country) });
    }
    const consent = phone ? (changes.whatsappConsent ?? user.whatsappConsent) : false;
    // An unreadable phone is reported as such, not as a consent without a phone.
    if (changes.whatsappConsent && !phone && !problems.some((p) => p.field === 'phone')) {
      problems.push({ field: 'whatsappConsent', message: 'needs a phone number to send to' });
    }
    if (problems.length) throw new ValidationError(problems);
    if (name !== undefined && name !== user.name) {
      user.name = name;
      await recordAccountAudit(em, actor, 'account.rename', ['name']);
    }
    const contactChanged = [
      ...(phone !== (user.phone ?? null) ? ['phone'] : []),
      ...(consent !== user.whatsappConsent ? ['whatsappConsent'] : []),
    ];
    if (contactChanged.length) {
      user.phone = phone;
      if (consent !== user.whatsappConsent) {
        user.whatsappConsent = consent;
        user.whatsappConsentAt = consent ? new Date() : null;
      }
      await recordAccountAudit(em, actor, 'account.changePhone', contactChanged);
    }
    await em.flush();
    return ownAccount(user);
  }

  async logout(em: EntityManager, refreshToken: string): Promise<void> {
    const stored = await em.findOne(RefreshTokenSchema, { tokenHash: hashToken(refreshToken) });
    if (stored) await this.revokeFamily(em, stored.familyId);
  }

  /** The one country of every org the user belongs to, to read a national phone number in; none when they differ. */
  private async phoneCountryOfMember(em: EntityManager, userId: string): Promise<CountryCode | undefined> {
    const memberships = await em.find(MembershipSchema, { userId, active: true }, noTenant);
    const orgs = await em.find(OrgSchema, { id: { $in: memberships.map((m) => m.orgId) } });
    const countries = new Set(orgs.map((org) => phoneCountryOf(org.timeZone)));
    return countries.size === 1 ? [...countries][0] : undefined;
  }

  /** The user and every active membership, with each org's name and kind, for the org switcher. */
  async me(em: EntityManager, userId: string) {
    const user = await em.findOne(UserSchema, { id: userId });
    if (!user?.active) throw new UnauthenticatedError();
    const memberships = await em.find(MembershipSchema, { userId, active: true }, { ...noTenant, orderBy: { createdAt: 'asc' } });
    const orgs = await em.find(OrgSchema, { id: { $in: memberships.map((m) => m.orgId) }, active: true });
    const orgById = new Map(orgs.map((o) => [o.id, o]));
    return {
      user: ownAccount(user),
      memberships: memberships.flatMap((m) => {
        const org = orgById.get(m.orgId);
        return org ? [{ orgId: org.id, orgName: org.name, orgKind: org.kind, role: m.role }] : [];
      }),
    };
  }

  private async revokeFamily(em: EntityManager, familyId: string): Promise<void> {
    await em.nativeUpdate(RefreshTokenSchema, { familyId, revokedAt: null }, { revokedAt: new Date() });
  }

  private async issue(em: EntityManager, userId: string, familyId: string): Promise<Session> {
    // The version of the user as this request read them: if their sessions end meanwhile, both tokens are refused.
    const { sessionVersion } = await em.findOneOrFail(UserSchema, { id: userId });
    const refreshToken = randomBytes(32).toString('base64url');
    em.create(RefreshTokenSchema, {
      userId,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlDays * 86_400_000),
      sessionVersion,
    });
    await em.flush();
    return {
      accessToken: this.settings.signAccessToken(userId, sessionVersion),
      refreshToken,
      expiresIn: this.settings.accessTokenTtlSeconds,
    };
  }
}

export function publicUser(user: User) {
  return { id: user.id, email: user.email, name: user.name, active: user.active };
}

/** The account as its owner sees it: with the contact details only they set. */
function ownAccount(user: User): Static<typeof AccountBody> {
  return { ...publicUser(user), phone: user.phone ?? null, whatsappConsent: user.whatsappConsent, whatsappConsentAt: user.whatsappConsentAt?.toISOString() ?? null };
}

/**
 * A change a person made to their own account, recorded in every org they belong to: each org's
 * admins can see that a member's password or name changed, and when.
 */
async function recordAccountAudit(em: EntityManager, actor: AccountActor, action: string, changedFields: string[]): Promise<void> {
  const memberships = await em.find(MembershipSchema, { userId: actor.userId }, noTenant);
  for (const { orgId, role } of memberships) {
    recordAudit(em, { ...actor, orgId, role, timeZone: 'UTC' }, { action, entityType: 'User', entityId: actor.userId, changedFields });
  }
}
