import { defineEntity, type InferEntity } from '@mikro-orm/core';

/**
 * A change a screen shows, written in the same transaction as the change itself. The dispatcher
 * publishes rows in id order once no transaction that could still commit a smaller id is running
 * (see outbox.dispatcher.ts), and stamps each room's sequence number as it publishes.
 */
export const OutboxEventSchema = defineEntity({
  name: 'OutboxEvent',
  tableName: 'outbox_events',
  properties: (p) => ({
    id: p.bigint('number').primary().autoincrement(),
    /** Null only for the end of a user's sockets, which belong to no single org. */
    orgId: p.uuid().nullable(),
    /** Versioned wire event type, e.g. `case.updated.v1`. */
    type: p.string().length(80),
    rooms: p.array(),
    payload: p.json<Record<string, unknown>>(),
    /** Room -> sequence number, stamped at publication. */
    sequences: p.json<Record<string, number>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    publishedAt: p.datetime().nullable(),
  }),
  indexes: [
    { properties: ['publishedAt', 'id'] },
    { name: 'outbox_events_unpublished_index', expression: 'create index "outbox_events_unpublished_index" on "outbox_events" ("id") where "published_at" is null' },
    { name: 'outbox_events_rooms_index', expression: 'create index "outbox_events_rooms_index" on "outbox_events" using gin ("rooms")' },
  ],
});
export type OutboxEvent = InferEntity<typeof OutboxEventSchema>;
