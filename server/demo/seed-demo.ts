import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Role } from '../../workflows/roles';
import { MembershipSchema } from '../modules/auth/membership.entity';
import { hashPassword } from '../modules/auth/password';
import { UserSchema } from '../modules/auth/user.entity';
import { OrgSchema, type OrgKind, type StaffLimits } from '../modules/orgs/org.entity';

export const demoPassword = 'Cuspid-demo-2026';

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

/** Creates the demo orgs and people once; returns false when the database already has data. */
export async function seedDemo(orm: MikroORM): Promise<boolean> {
  const em = orm.em.fork();
  if ((await em.count(OrgSchema, {})) > 0) return false;
  const passwordHash = await hashPassword(demoPassword);
  await em.transactional(async (tx) => {
    addOrg(tx, 'platform', 'Cuspid Platform', {}, demoLogins.platform, passwordHash);
    addOrg(tx, 'lab', 'Bright Smile Dental Lab', staffLimits.lab, demoLogins.lab, passwordHash);
    addOrg(tx, 'clinic', 'Riverside Dental Clinic', staffLimits.clinic, demoLogins.clinic, passwordHash);
  });
  return true;
}

function addOrg(em: EntityManager, kind: OrgKind, name: string, limits: StaffLimits, people: { email: string; name: string; role: Role }[], passwordHash: string) {
  const org = em.create(OrgSchema, { kind, name, staffLimits: limits });
  for (const person of people) {
    const user = em.create(UserSchema, { email: person.email, name: person.name, passwordHash });
    em.create(MembershipSchema, { orgId: org.id, userId: user.id, role: person.role });
  }
  return org;
}
