import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { TooManyRequestsError, UnauthenticatedError } from '../../shared/errors';
import { OrgSchema } from '../orgs/org.entity';
import type { LoginThrottle } from './login-throttle';
import { MembershipSchema } from './membership.entity';
import { decoyPasswordHash, verifyPassword } from './password';
import { RefreshTokenSchema } from './refresh-token.entity';
import { UserSchema, type User } from './user.entity';

export interface AuthSettings {
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  signAccessToken: (userId: string) => string;
  throttle: LoginThrottle;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

const noTenant = { filters: { tenant: false } } as const;

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
    if (!user || !passwordOk || !user.active || !(await this.hasActiveMembership(em, user.id))) {
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
    // Conditional update so two concurrent refreshes cannot both spend the same token.
    const spent = await em.nativeUpdate(RefreshTokenSchema, { id: stored.id, spentAt: null }, { spentAt: new Date() });
    if (spent === 0) {
      await this.revokeFamily(em, stored.familyId);
      throw new UnauthenticatedError('Refresh token was already used; all sessions of this login were revoked');
    }
    const user = await em.findOne(UserSchema, { id: stored.userId });
    if (!user?.active) throw new UnauthenticatedError('Refresh token is not valid');
    return this.issue(em, stored.userId, stored.familyId);
  }

  async logout(em: EntityManager, refreshToken: string): Promise<void> {
    const stored = await em.findOne(RefreshTokenSchema, { tokenHash: hashToken(refreshToken) });
    if (stored) await this.revokeFamily(em, stored.familyId);
  }

  /** The user and every active membership, with each org's name and kind, for the org switcher. */
  async me(em: EntityManager, userId: string) {
    const user = await em.findOne(UserSchema, { id: userId });
    if (!user?.active) throw new UnauthenticatedError();
    const memberships = await em.find(MembershipSchema, { userId, active: true }, { ...noTenant, orderBy: { createdAt: 'asc' } });
    const orgs = await em.find(OrgSchema, { id: { $in: memberships.map((m) => m.orgId) }, active: true });
    const orgById = new Map(orgs.map((o) => [o.id, o]));
    return {
      user: publicUser(user),
      memberships: memberships.flatMap((m) => {
        const org = orgById.get(m.orgId);
        return org ? [{ orgId: org.id, orgName: org.name, orgKind: org.kind, role: m.role }] : [];
      }),
    };
  }

  private async hasActiveMembership(em: EntityManager, userId: string): Promise<boolean> {
    return (await em.count(MembershipSchema, { userId, active: true }, noTenant)) > 0;
  }

  private async revokeFamily(em: EntityManager, familyId: string): Promise<void> {
    await em.nativeUpdate(RefreshTokenSchema, { familyId, revokedAt: null }, { revokedAt: new Date() });
  }

  private async issue(em: EntityManager, userId: string, familyId: string): Promise<Session> {
    const refreshToken = randomBytes(32).toString('base64url');
    em.create(RefreshTokenSchema, {
      userId,
      familyId,
      tokenHash: hashToken(refreshToken),
      expiresAt: new Date(Date.now() + this.settings.refreshTokenTtlDays * 86_400_000),
    });
    await em.flush();
    return {
      accessToken: this.settings.signAccessToken(userId),
      refreshToken,
      expiresIn: this.settings.accessTokenTtlSeconds,
    };
  }
}

export function publicUser(user: User) {
  return { id: user.id, email: user.email, name: user.name, active: user.active };
}
