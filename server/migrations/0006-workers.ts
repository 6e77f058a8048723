import { Migration } from '@mikro-orm/migrations';

/** Background work: the wait quote per professional, and every notification with its attempts. */
export class Migration0006Workers extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "notifications" ("id" uuid not null, "org_id" uuid not null, "key" varchar(200) not null, "event_id" varchar(80) not null, "template" varchar(60) not null, "channel" text check ("channel" in (\'email\', \'whatsapp\')) not null, "recipient" varchar(30) not null, "subject_type" varchar(40) not null, "subject_id" uuid not null, "status" text check ("status" in (\'pending\', \'retrying\', \'sent\', \'failed\', \'skipped\')) not null default \'pending\', "skip_reason" varchar(120) null, "attempts" jsonb not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "sent_at" timestamptz null, constraint "notifications_pkey" primary key ("id"));');
    this.addSql('alter table "notifications" add constraint "notifications_key_unique" unique ("key");');
    this.addSql('create index "notifications_org_id_status_created_at_index" on "notifications" ("org_id", "status", "created_at");');
    this.addSql('create table "wait_estimates" ("professional_id" uuid not null, "org_id" uuid not null, "new_arrival" jsonb not null, "by_visit" jsonb not null, "basis" jsonb not null, "computed_at" timestamptz not null, constraint "wait_estimates_pkey" primary key ("professional_id"));');
    this.addSql('create index "wait_estimates_org_id_index" on "wait_estimates" ("org_id");');
    this.addSql('alter table "notifications" add constraint "notifications_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "wait_estimates" add constraint "wait_estimates_professional_id_foreign" foreign key ("professional_id") references "professional_profiles" ("id") on update cascade on delete cascade;');
    this.addSql('alter table "wait_estimates" add constraint "wait_estimates_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
  }
}
