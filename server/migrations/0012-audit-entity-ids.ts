import { Migration } from '@mikro-orm/migrations';

/**
 * A read that shows several records at once (a patient search's results) is one audit row naming
 * them all, so the trail says who saw whose name without a row per result. A patient's export finds
 * such rows through the GIN index; partial, so the many rows about one record cost it nothing.
 */
export class Migration0012AuditEntityIds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "audit_events" add column "entity_ids" text[] not null default '{}';`);
    this.addSql(`create index "audit_events_entity_ids_index" on "audit_events" using gin ("entity_ids") where "entity_ids" <> '{}';`);
  }
}
