import { Type } from 'typebox';
import { UserBody } from '../orgs/orgs.schemas';

/** Your own account as you see it: with the phone and WhatsApp consent that only you set (org admins see neither). */
export const AccountBody = Type.Object({
  ...UserBody.properties,
  phone: Type.Union([Type.String(), Type.Null()]),
  whatsappConsent: Type.Boolean(),
  whatsappConsentAt: Type.Union([Type.String(), Type.Null()]),
});

/** What a person changes on their own account; identity is global, so no org's admin can. */
export const AccountChangesBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    phone: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 32, description: "With its country code, or as dialled in your clinic's country; stored as E.164" }), Type.Null()], {
        description: 'null removes it (and the WhatsApp consent with it)',
      }),
    ),
    whatsappConsent: Type.Optional(Type.Boolean({ description: 'Receive your clinic messages by WhatsApp at this phone' })),
  },
  { minProperties: 1, additionalProperties: false },
);
