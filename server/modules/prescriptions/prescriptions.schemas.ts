import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { PrescriptionItemBody } from '../visits/visits.schemas';
import { Text } from '../patients/patients.schemas';

export const ItemParams = Type.Object({ orgId: Type.String(), visitId: Uuid, itemId: Uuid });

export const NewItemBody = Type.Object(
  {
    medicine: Text(200),
    dosage: Text(100),
    frequency: Text(100),
    duration: Text(100),
    acknowledgeAllergies: Type.Optional(
      Type.Array(
        Type.Object(
          {
            substance: Text(200, { description: 'The allergy as a 409 allergy_warning named it' }),
            reason: Type.Optional(Text(500, { description: 'Why the medicine is given all the same' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20, description: 'Prescribe despite these allergies (each one the warning named); the override is audited' },
      ),
    ),
  },
  { additionalProperties: false },
);

export const VisitPrescriptionBody = Type.Object({ id: Uuid, visitId: Uuid, createdAt: Type.String(), items: Type.Array(PrescriptionItemBody) });
