import { Migration } from '@mikro-orm/migrations';

/** Orgs, users, memberships, refresh tokens and the append-only audit trail. */
export class Migration0001Foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "audit_events" ("id" uuid not null, "org_id" uuid null, "actor_user_id" uuid null, "actor_role" varchar(32) null, "action" varchar(80) not null, "entity_type" varchar(60) not null, "entity_id" varchar(80) null, "changed_fields" text[] not null default \'{}\', "request_id" varchar(80) null, "ip" varchar(64) null, "at" timestamptz not null, constraint "audit_events_pkey" primary key ("id"));');
    this.addSql('create index "audit_events_org_id_at_index" on "audit_events" ("org_id", "at");');
    this.addSql('create index "audit_events_org_id_entity_type_entity_id_index" on "audit_events" ("org_id", "entity_type", "entity_id");');
    this.addSql('create table "orgs" ("id" uuid not null, "kind" text check ("kind" in (\'platform\', \'lab\', \'clinic\')) not null, "name" varchar(200) not null, "active" boolean not null default true, "staff_limits" jsonb not null, "tooth_numbering" text check ("tooth_numbering" in (\'FDI\', \'Universal\')) not null default \'FDI\', "created_at" timestamptz not null, constraint "orgs_pkey" primary key ("id"));');
    this.addSql('create table "users" ("id" uuid not null, "email" varchar(320) not null, "password_hash" varchar(255) not null, "name" varchar(200) not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));');
    this.addSql('alter table "users" add constraint "users_email_unique" unique ("email");');
    this.addSql('create table "refresh_tokens" ("id" uuid not null, "user_id" uuid not null, "family_id" uuid not null, "token_hash" varchar(64) not null, "expires_at" timestamptz not null, "spent_at" timestamptz null, "revoked_at" timestamptz null, "created_at" timestamptz not null, constraint "refresh_tokens_pkey" primary key ("id"));');
    this.addSql('create index "refresh_tokens_user_id_index" on "refresh_tokens" ("user_id");');
    this.addSql('create index "refresh_tokens_family_id_index" on "refresh_tokens" ("family_id");');
    this.addSql('alter table "refresh_tokens" add constraint "refresh_tokens_token_hash_unique" unique ("token_hash");');
    this.addSql('create table "memberships" ("id" uuid not null, "org_id" uuid not null, "user_id" uuid not null, "role" text check ("role" in (\'super_admin\', \'org_admin\', \'designer\', \'dentist\', \'doctor\', \'receptionist\', \'medical_staff\', \'patient\')) not null, "active" boolean not null default true, "created_at" timestamptz not null, constraint "memberships_pkey" primary key ("id"));');
    this.addSql('create index "memberships_org_id_index" on "memberships" ("org_id");');
    this.addSql('create index "memberships_user_id_index" on "memberships" ("user_id");');
    this.addSql('alter table "memberships" add constraint "memberships_org_id_user_id_unique" unique ("org_id", "user_id");');
    this.addSql('alter table "refresh_tokens" add constraint "refresh_tokens_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "memberships" add constraint "memberships_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "memberships" add constraint "memberships_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade;');

    // The audit trail is evidence: no role, not even this server's, may rewrite or remove it.
    this.addSql(`create function audit_events_refuse_change() returns trigger language plpgsql as $$
      begin raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege'; end $$;`);
    this.addSql(`create trigger audit_events_append_only before update or delete on audit_events
      for each row execute function audit_events_refuse_change();`);
    this.addSql(`create trigger audit_events_no_truncate before truncate on audit_events
      for each statement execute function audit_events_refuse_change();`);
  }
}
