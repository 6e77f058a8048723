import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { OrgSchema } from '../orgs/org.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import type { Estimate, Range } from './wait-estimator';

/** The latest wait quote per professional, with the basis it was computed from. */
export const WaitEstimateSchema = defineEntity({
  name: 'WaitEstimate',
  tableName: 'wait_estimates',
  properties: (p) => ({
    professionalId: p.manyToOne(ProfessionalProfileSchema).mapToPk().fieldName('professional_id').primary(),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').index(),
    newArrival: p.json<Range>(),
    /** Visit id -> that patient's remaining wait. */
    byVisit: p.json<Record<string, Range>>(),
    basis: p.json<Estimate['basis']>(),
    computedAt: p.datetime(),
  }),
});
export type WaitEstimate = InferEntity<typeof WaitEstimateSchema>;
