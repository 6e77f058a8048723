import { Migration } from '@mikro-orm/migrations';

/**
 * Identity is global, memberships are per org. An org admin who adds an address that already has
 * an account invites its owner instead of taking it over; passwords are reset only through a
 * one-time link mailed to the owner, stored as a hash.
 */
export class Migration0010Identity extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "staff_invitations" (
      "id" uuid not null,
      "org_id" uuid not null,
      "email" varchar(320) not null,
      "role" text check ("role" in ('super_admin', 'org_admin', 'designer', 'dentist', 'doctor', 'receptionist', 'medical_staff', 'patient')) not null,
      "invited_by_user_id" uuid not null,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "accepted_at" timestamptz null,
      "declined_at" timestamptz null,
      "revoked_at" timestamptz null,
      constraint "staff_invitations_pkey" primary key ("id"))`);
    this.addSql('create index "staff_invitations_email_index" on "staff_invitations" ("email")');
    this.addSql(`create unique index "staff_invitations_pending_unique" on "staff_invitations" ("org_id", "email")
      where "accepted_at" is null and "declined_at" is null and "revoked_at" is null`);
    this.addSql(`create table "password_resets" (
      "id" uuid not null,
      "user_id" uuid not null,
      "token_hash" varchar(64) not null,
      "created_at" timestamptz not null,
      "expires_at" timestamptz not null,
      "used_at" timestamptz null,
      constraint "password_resets_pkey" primary key ("id"),
      constraint "password_resets_token_hash_unique" unique ("token_hash"))`);
    this.addSql('create index "password_resets_user_id_index" on "password_resets" ("user_id")');
    this.addSql('alter table "staff_invitations" add constraint "staff_invitations_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade');
    this.addSql('alter table "staff_invitations" add constraint "staff_invitations_invited_by_user_id_foreign" foreign key ("invited_by_user_id") references "users" ("id") on update cascade');
    this.addSql('alter table "password_resets" add constraint "password_resets_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade');
  }
}
