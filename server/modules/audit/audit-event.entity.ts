import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/**
 * Append-only: the database itself refuses UPDATE and DELETE on this table (see the migration),
 * so the trail cannot be edited even by a bug in this server.
 */
export const AuditEventSchema = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.uuid().nullable(),
    actorUserId: p.uuid().nullable(),
    actorRole: p.string().length(32).nullable(),
    action: p.string().length(80),
    entityType: p.string().length(60),
    entityId: p.string().length(80).nullable(),
    /** For a read that showed several records at once (a search's results): their ids; entityId is null then. */
    entityIds: p.array().default([]),
    /** Names only: values of health data never enter the audit trail. */
    changedFields: p.array().default([]),
    requestId: p.string().length(80).nullable(),
    ip: p.string().length(64).nullable(),
    at: p.datetime().onCreate(() => new Date()),
  }),
  indexes: [
    { properties: ['orgId', 'at'] },
    { properties: ['orgId', 'entityType', 'entityId'] },
    // A patient's export finds the reads that listed them (migration 0012); partial, so rows about one record cost it nothing.
    {
      name: 'audit_events_entity_ids_index',
      expression: `create index "audit_events_entity_ids_index" on "audit_events" using gin ("entity_ids") where "entity_ids" <> '{}'`,
    },
  ],
});
export type AuditEvent = InferEntity<typeof AuditEventSchema>;
