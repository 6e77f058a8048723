import { Migration } from '@mikro-orm/migrations';
import { outboxWriterLock } from '../modules/realtime/outbox-locks';

/** The transactional outbox that feeds the live screens, and each room's last sequence number. */
export class Migration0002Outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "outbox_events" (
      "id" bigserial primary key,
      "org_id" uuid not null,
      "type" varchar(80) not null,
      "rooms" text[] not null,
      "payload" jsonb not null,
      "sequences" jsonb null,
      "created_at" timestamptz not null,
      "published_at" timestamptz null)`);
    this.addSql('create index "outbox_events_unpublished_index" on "outbox_events" ("id") where "published_at" is null');
    this.addSql('create index "outbox_events_published_at_id_index" on "outbox_events" ("published_at", "id")');
    this.addSql('create table "room_sequences" ("room" text primary key, "seq" bigint not null)');
    // Subscribers replay a room from its sequence: index the stamped sequences per room.
    this.addSql('create index "outbox_events_rooms_index" on "outbox_events" using gin ("rooms")');
    // Every transaction that writes events holds this lock (shared) from before its rows get their
    // ids until it ends; the dispatcher takes it exclusively for an instant before reading, so it
    // never reads past a smaller id that is still uncommitted (see outbox.dispatcher.ts).
    this.addSql(`create function outbox_events_writer_lock() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock_shared(${outboxWriterLock}); return null; end $$;`);
    this.addSql(`create trigger outbox_events_writer_lock before insert on outbox_events
      for each statement execute function outbox_events_writer_lock();`);
    // Wakes the dispatchers when a transaction that wrote events commits (NOTIFY is sent at commit).
    this.addSql(`create function outbox_events_notify() returns trigger language plpgsql as $$
      begin perform pg_notify('cuspid_outbox', ''); return null; end $$;`);
    this.addSql(`create trigger outbox_events_notify after insert on outbox_events
      for each statement execute function outbox_events_notify();`);
  }
}
