import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { Text } from '../patients/patients.schemas';

export const ProfessionalParams = Type.Object({ orgId: Type.String(), professionalId: Uuid });

export const ProfessionalBody = Type.Object({
  id: Uuid,
  membershipId: Uuid,
  userId: Uuid,
  displayName: Type.String(),
  specialty: Type.String(),
  councilNumber: Type.String(),
  room: Type.String(),
  ticketPrefix: Type.String(),
  active: Type.Boolean(),
});

const TicketPrefix = Type.String({ pattern: '^[A-Za-z]$', description: 'One letter; tickets read A-014' });

export const NewProfessionalBody = Type.Object(
  {
    membershipId: Uuid,
    specialty: Text(100),
    councilNumber: Text(40),
    room: Text(60),
    ticketPrefix: TicketPrefix,
    displayName: Type.Optional(Text(200)),
  },
  { additionalProperties: false },
);

export const ProfessionalChangesBody = Type.Object(
  {
    specialty: Type.Optional(Text(100)),
    councilNumber: Type.Optional(Text(40)),
    room: Type.Optional(Text(60)),
    ticketPrefix: Type.Optional(TicketPrefix),
    displayName: Type.Optional(Text(200)),
    active: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1, additionalProperties: false },
);

export const ProfessionalListQuery = Type.Object({ active: Type.Optional(Type.Boolean()) });
