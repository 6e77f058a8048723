import { Migration } from '@mikro-orm/migrations';

/** Waiting-room displays and their revocable tokens. */
export class Migration0005Displays extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "displays" (
      "id" uuid not null,
      "org_id" uuid not null,
      "name" varchar(120) not null,
      "professional_ids" text[] not null default '{}',
      "privacy" text check ("privacy" in ('ticket', 'ticket_initials')) not null default 'ticket',
      "language" varchar(20) not null default 'en-GB',
      "token_hash" varchar(64) not null,
      "token_issued_at" timestamptz not null,
      "active" boolean not null default true,
      "created_at" timestamptz not null,
      constraint "displays_pkey" primary key ("id"))`);
    this.addSql('create index "displays_org_id_index" on "displays" ("org_id")');
    this.addSql('alter table "displays" add constraint "displays_token_hash_unique" unique ("token_hash")');
    this.addSql('alter table "displays" add constraint "displays_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade');
  }
}
