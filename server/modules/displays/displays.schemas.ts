import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { displayPrivacyProfiles } from './display.entity';

export const DisplayParams = Type.Object({ orgId: Type.String(), displayId: Uuid });

export const DisplayBody = Type.Object({
  id: Uuid,
  name: Type.String(),
  professionalIds: Type.Array(Uuid),
  privacy: Type.Enum(displayPrivacyProfiles),
  language: Type.String(),
  active: Type.Boolean(),
  tokenIssuedAt: Type.String({ format: 'date-time' }),
});
export const DisplayWithToken = Type.Intersect([DisplayBody, Type.Object({ token: Type.String() })]);

const Name = Type.String({ minLength: 1, maxLength: 120 });
const ProfessionalIds = Type.Array(Uuid, { maxItems: 50 });
const Privacy = Type.Enum(displayPrivacyProfiles);
const Language = Type.String({ pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 20 });

export const NewDisplayBody = Type.Object(
  { name: Name, professionalIds: Type.Optional(ProfessionalIds), privacy: Type.Optional(Privacy), language: Type.Optional(Language) },
  { additionalProperties: false },
);

export const DisplayChangesBody = Type.Object(
  {
    name: Type.Optional(Name),
    professionalIds: Type.Optional(ProfessionalIds),
    privacy: Type.Optional(Privacy),
    language: Type.Optional(Language),
    active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1, additionalProperties: false },
);
