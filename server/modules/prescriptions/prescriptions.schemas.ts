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
  },
  { additionalProperties: false },
);

export const VisitPrescriptionBody = Type.Object({ id: Uuid, visitId: Uuid, createdAt: Type.String(), items: Type.Array(PrescriptionItemBody) });
