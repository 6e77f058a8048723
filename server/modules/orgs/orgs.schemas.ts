import { Type } from 'typebox';
import { roles } from '../../../workflows/roles';
import { Uuid } from '../../shared/http-schemas';
import { orgKinds, toothNumberings } from './org.entity';

export const RoleName = Type.Enum(roles);
const Email = Type.String({ format: 'email', maxLength: 320 });
const PersonName = Type.String({ minLength: 1, maxLength: 200 });
const Password = Type.String({ minLength: 1, maxLength: 200 });
const TimeZone = Type.String({ minLength: 1, maxLength: 100, description: 'IANA time zone, e.g. America/Sao_Paulo' });
const StaffLimits = Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 10_000 }));

export const OrgBody = Type.Object({
  id: Uuid,
  kind: Type.Enum(orgKinds),
  name: Type.String(),
  active: Type.Boolean(),
  staffLimits: StaffLimits,
  toothNumbering: Type.Enum(toothNumberings),
  timeZone: Type.String(),
});

export const NewOrgBody = Type.Object({
  kind: Type.Union([Type.Literal('lab'), Type.Literal('clinic')]),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  staffLimits: StaffLimits,
  toothNumbering: Type.Optional(Type.Enum(toothNumberings)),
  /** The server's zone when omitted. */
  timeZone: Type.Optional(TimeZone),
  admin: Type.Object({ email: Email, name: PersonName, password: Password }),
});

export const OrgChangesBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    toothNumbering: Type.Optional(Type.Enum(toothNumberings)),
    timeZone: Type.Optional(TimeZone),
  },
  { minProperties: 1 },
);

export const UserBody = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), active: Type.Boolean() });

export const StaffBody = Type.Object({ id: Uuid, role: RoleName, active: Type.Boolean(), user: UserBody });

export const NewStaffBody = Type.Object({
  email: Email,
  name: PersonName,
  role: RoleName,
  password: Type.Optional(Password),
});

export const StaffChangesBody = Type.Object(
  {
    name: Type.Optional(PersonName),
    role: Type.Optional(RoleName),
    active: Type.Optional(Type.Boolean()),
    password: Type.Optional(Password),
  },
  { minProperties: 1 },
);

/** A lab's designers as everyone working on its cases sees them: names for the cards, no contact details. */
export const DesignerListBody = Type.Array(Type.Object({ id: Uuid, name: Type.String(), active: Type.Boolean() }));

export const StaffListBody = Type.Object({
  items: Type.Array(StaffBody),
  limits: Type.Array(Type.Object({ role: RoleName, limit: Type.Union([Type.Integer(), Type.Null()]), active: Type.Integer() })),
});
