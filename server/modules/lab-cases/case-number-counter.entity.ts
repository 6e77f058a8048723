import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { OrgSchema } from '../orgs/org.entity';

/**
 * The last CASE-number handed out per lab. Incremented inside the creating transaction, so its row
 * lock serialises creates of one lab and a rolled-back create gives its number back: no gaps, no
 * duplicates.
 */
export const CaseNumberCounterSchema = defineEntity({
  name: 'CaseNumberCounter',
  tableName: 'case_number_counters',
  properties: (p) => ({
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').primary(),
    last: p.integer(),
  }),
});
export type CaseNumberCounter = InferEntity<typeof CaseNumberCounterSchema>;
