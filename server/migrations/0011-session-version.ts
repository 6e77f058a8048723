import { Migration } from '@mikro-orm/migrations';

/**
 * Sessions end when access ends. Each user has a session version, bumped when their sessions end;
 * access tokens and refresh tokens carry the version they were issued at, and are refused once it
 * moved on. Existing tokens were issued at version 0. The outbox also carries "end these sockets"
 * rows (after-commit, every process), and a user's sessions belong to no single org.
 */
export class Migration0011SessionVersion extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" add column "session_version" int not null default 0;');
    this.addSql('alter table "refresh_tokens" add column "session_version" int not null default 0;');
    this.addSql('alter table "outbox_events" alter column "org_id" drop not null;');
  }
}
