import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { LabCaseSchema } from './lab-case.entity';

/**
 * One accepted caseMachine event: the case's history and the source of remake analytics. Written
 * in the same transaction as the state it produced; never updated.
 */
export const CaseTransitionSchema = defineEntity({
  name: 'CaseTransition',
  tableName: 'case_transitions',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    caseId: p.manyToOne(LabCaseSchema).mapToPk().fieldName('case_id'),
    /** Persisted machine values, e.g. 'pending_approval' -> 'completed.not_shipped'. */
    from: p.string().length(40).fieldName('from_state'),
    to: p.string().length(40).fieldName('to_state'),
    eventType: p.string().length(60),
    /** The event's payload without actor and time: designerId, notes, outsourcedTo, reason and details. */
    payload: p.json<Record<string, unknown>>(),
    actorUserId: p.uuid().nullable(),
    actorRole: p.string().length(32),
    /** The designer the case was assigned to when this happened, so remakes count against the work that came back. */
    designerId: p.uuid().nullable(),
    at: p.datetime(),
    /** The case's version after this transition. */
    version: p.integer(),
  }),
  uniques: [{ properties: ['caseId', 'version'] }],
  indexes: [{ properties: ['orgId', 'eventType', 'at'] }],
});
export type CaseTransition = InferEntity<typeof CaseTransitionSchema>;
