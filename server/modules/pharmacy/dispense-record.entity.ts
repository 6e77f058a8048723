import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import { PrescriptionSchema } from '../prescriptions/prescription.entity';

/**
 * The pharmacy's record of one printing and hand-over. A follow-up session can change the
 * prescription, so each session's version is printed and dispensed on its own record.
 */
export const DispenseRecordSchema = defineEntity({
  name: 'DispenseRecord',
  tableName: 'dispense_records',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    prescriptionId: p.manyToOne(PrescriptionSchema).mapToPk().fieldName('prescription_id'),
    /** The visit's session count when printed: which version of the prescription this is. */
    sessionNumber: p.integer(),
    printedAt: p.datetime(),
    printedByUserId: p.manyToOne(UserSchema).mapToPk().fieldName('printed_by_user_id'),
    dispensedAt: p.datetime().nullable(),
    dispensedByUserId: p.manyToOne(UserSchema).mapToPk().fieldName('dispensed_by_user_id').nullable(),
  }),
  uniques: [{ properties: ['prescriptionId', 'sessionNumber'] }],
});
export type DispenseRecord = InferEntity<typeof DispenseRecordSchema>;
