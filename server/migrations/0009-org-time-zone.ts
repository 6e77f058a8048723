import { Migration } from '@mikro-orm/migrations';

/**
 * Each org's IANA time zone. Until now every org lived in the server process's zone, so existing
 * orgs get that zone, read here when the migration runs, and keep the days and hours they had.
 */
export class Migration0009OrgTimeZone extends Migration {
  override async up(): Promise<void> {
    const serverTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const literal = `'${serverTimeZone.replaceAll("'", "''")}'`;
    // The default only fills the existing rows: new orgs name their zone, so none stays on the column.
    this.addSql(`alter table "orgs" add column "time_zone" text not null default ${literal};`);
    this.addSql('alter table "orgs" alter column "time_zone" drop default;');
  }
}
