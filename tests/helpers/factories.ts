import { randomBytes } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Role } from '../../workflows/roles';
import { MembershipSchema } from '../../server/modules/auth/membership.entity';
import { hashPassword } from '../../server/modules/auth/password';
import { UserSchema } from '../../server/modules/auth/user.entity';
import { OrgSchema, type OrgKind, type StaffLimits } from '../../server/modules/orgs/org.entity';
import { serverTimeZone } from '../../server/shared/time-zone';
import type { Call } from './test-app';

export const testPassword = 'Molar-crown-2026';
let passwordHash: Promise<string> | undefined;

export interface Member {
  userId: string;
  membershipId: string;
  email: string;
  role: Role;
}

export interface SeededOrg {
  orgId: string;
  members: Record<Role, Member>;
}

/** An org with one active member per given role, all with `testPassword`, each the owner of their (confirmed) address. */
export async function seedOrg(
  orm: MikroORM,
  kind: OrgKind,
  roles: Role[],
  options: { staffLimits?: StaffLimits; name?: string; timeZone?: string } = {},
): Promise<SeededOrg> {
  passwordHash ??= hashPassword(testPassword);
  const em = orm.em.fork();
  const org = em.create(OrgSchema, { kind, name: options.name ?? `${kind} ${randomBytes(3).toString('hex')}`, staffLimits: options.staffLimits ?? {}, timeZone: options.timeZone ?? serverTimeZone });
  const members = {} as Record<Role, Member>;
  for (const role of roles) {
    const email = `${role}.${randomBytes(4).toString('hex')}@example.test`;
    const user = em.create(UserSchema, { email, name: `${role} person`, passwordHash: await passwordHash, emailConfirmedAt: new Date() });
    const membership = em.create(MembershipSchema, { orgId: org.id, userId: user.id, role });
    members[role] = { userId: user.id, membershipId: membership.id, email, role };
  }
  await em.flush();
  return { orgId: org.id, members };
}

export async function login(call: Call, email: string, password = testPassword) {
  const response = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  if (response.statusCode !== 200) throw new Error(`login failed for ${email}: ${response.body}`);
  return response.json() as { accessToken: string; refreshToken: string; expiresIn: number };
}

/** Access tokens for every member of an org, keyed by role. */
export async function tokensFor(call: Call, org: SeededOrg): Promise<Record<Role, string>> {
  const tokens = {} as Record<Role, string>;
  for (const member of Object.values(org.members)) tokens[member.role] = (await login(call, member.email)).accessToken;
  return tokens;
}
