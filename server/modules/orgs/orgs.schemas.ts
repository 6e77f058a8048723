import { Type } from 'typebox';
import { roles } from '../../../workflows/roles';
import { Uuid } from '../../shared/http-schemas';
import { orgKinds, toothNumberings } from './org.entity';

export const RoleName = Type.Enum(roles);
const Email = Type.String({ format: 'email', maxLength: 320 });
const PersonName = Type.String({ minLength: 1, maxLength: 200 });
const Password = Type.String({ minLength: 1, maxLength: 200 });
const TimeZone = Type.String({ minLength: 1, maxLength: 100, description: 'IANA time zone, e.g. America/Sao_Paulo' });
const StaffLimits = Type.Record(Type.String(), Type.Integer({ minimum: 0, maximum: 10_000 }), { additionalProperties: false, maxProperties: 20 });
const OrgName = Type.String({ minLength: 1, maxLength: 200 });

export const OrgBody = Type.Object({
  id: Uuid,
  kind: Type.Enum(orgKinds),
  name: Type.String(),
  active: Type.Boolean(),
  staffLimits: StaffLimits,
  toothNumbering: Type.Enum(toothNumberings),
  timeZone: Type.String(),
});

export const NewOrgBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('lab'), Type.Literal('clinic')]),
    name: OrgName,
    staffLimits: StaffLimits,
    toothNumbering: Type.Optional(Type.Enum(toothNumberings)),
    /** The server's zone when omitted. */
    timeZone: Type.Optional(TimeZone),
    admin: Type.Object({ email: Email, name: PersonName, password: Password }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** What an org admin may change about their own org. */
export const OrgChangesBody = Type.Object(
  {
    name: Type.Optional(OrgName),
    toothNumbering: Type.Optional(Type.Enum(toothNumberings)),
    timeZone: Type.Optional(TimeZone),
  },
  { minProperties: 1, additionalProperties: false },
);

/** What the platform operator may change about a lab or clinic; its kind never changes. */
export const OperatorOrgChangesBody = Type.Object(
  {
    name: Type.Optional(OrgName),
    staffLimits: Type.Optional(StaffLimits),
    active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1, additionalProperties: false },
);

export const UserBody = Type.Object({ id: Uuid, email: Type.String(), name: Type.String(), active: Type.Boolean() });

export const StaffBody = Type.Object({ id: Uuid, role: RoleName, active: Type.Boolean(), user: UserBody });

/**
 * A new person gets a login with the name and password given here; the owner of an existing account
 * is invited instead, and the name and password are not used.
 */
export const NewStaffBody = Type.Object(
  {
    email: Email,
    name: PersonName,
    role: RoleName,
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);

/** A membership's role and whether it is active: the person's name, email and password are theirs alone. */
export const StaffChangesBody = Type.Object(
  {
    role: Type.Optional(RoleName),
    active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1, additionalProperties: false },
);

export const InvitationBody = Type.Object({ id: Uuid, email: Type.String(), role: RoleName, createdAt: Type.String({ format: 'date-time' }), expiresAt: Type.String({ format: 'date-time' }) });

export const StaffAdditionBody = Type.Union([
  Type.Object({ status: Type.Literal('added'), member: StaffBody }),
  Type.Object({ status: Type.Literal('invited'), invitation: InvitationBody }),
]);

/** An invitation as its addressee sees it: which org asks, for which role. */
export const MyInvitationBody = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: RoleName,
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
  orgId: Uuid,
  orgName: Type.String(),
  orgKind: Type.Enum(orgKinds),
});

/** A lab's designers as everyone working on its cases sees them: names for the cards, no contact details. */
export const DesignerListBody = Type.Array(Type.Object({ id: Uuid, name: Type.String(), active: Type.Boolean() }));

export const StaffListBody = Type.Object({
  items: Type.Array(StaffBody),
  limits: Type.Array(Type.Object({ role: RoleName, limit: Type.Union([Type.Integer(), Type.Null()]), active: Type.Integer() })),
});
