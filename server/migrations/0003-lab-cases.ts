import { Migration } from '@mikro-orm/migrations';

/** Dental lab cases: the case, its transition history, attachments and the per-lab case number counter. */
export class Migration0003LabCases extends Migration {
  override async up(): Promise<void> {
    this.addSql('create table "case_number_counters" ("org_id" uuid not null, "last" int not null, constraint "case_number_counters_pkey" primary key ("org_id"));');

    this.addSql(`create table "lab_cases" ("id" uuid not null, "org_id" uuid not null, "case_number" varchar(50) not null, "patient_name" varchar(255) not null, "account_number" varchar(50) null, "dentist_name" varchar(200) null, "dentist_user_id" uuid null, "dentistry_type" text check ("dentistry_type" in ('restoration', 'orthodontics')) not null default 'restoration', "tooth_numbers" text[] not null default '{}', "shade_system" text check ("shade_system" in ('VITA', 'VITA 3D-Master')) not null default 'VITA', "shade" varchar(10) not null default 'A1', "material" varchar(100) not null, "case_type" varchar(100) not null, "notes" text null, "due_date" date not null, "status" text check ("status" in ('new', 'in_progress', 'pending_approval', 'completed', 'sent_to_outsource')) not null default 'new', "delivery_status" text check ("delivery_status" in ('not_shipped', 'shipped', 'delivered')) not null default 'not_shipped', "approval_status" text check ("approval_status" in ('not_submitted', 'pending', 'approved', 'changes_requested')) not null default 'not_submitted', "assigned_designer_id" uuid null, "is_outsourced" boolean not null default false, "outsourced_to" varchar(200) null, "redo_count" int not null default 0, "adjustment_notes" text null, "last_remake" jsonb null, "completed_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "lab_cases_pkey" primary key ("id"));`);
    this.addSql('create index "lab_cases_org_id_due_date_id_index" on "lab_cases" ("org_id", "due_date", "id");');
    this.addSql('create index "lab_cases_org_id_status_due_date_id_index" on "lab_cases" ("org_id", "status", "due_date", "id");');
    this.addSql('create index "lab_cases_org_id_assigned_designer_id_index" on "lab_cases" ("org_id", "assigned_designer_id");');
    this.addSql('create index "lab_cases_org_id_dentist_user_id_due_date_index" on "lab_cases" ("org_id", "dentist_user_id", "due_date");');
    this.addSql('alter table "lab_cases" add constraint "lab_cases_org_id_case_number_unique" unique ("org_id", "case_number");');

    this.addSql('create table "case_transitions" ("id" uuid not null, "org_id" uuid not null, "case_id" uuid not null, "from_state" varchar(40) not null, "to_state" varchar(40) not null, "event_type" varchar(60) not null, "payload" jsonb not null, "actor_user_id" uuid null, "actor_role" varchar(32) not null, "designer_id" uuid null, "at" timestamptz not null, "version" int not null, constraint "case_transitions_pkey" primary key ("id"));');
    this.addSql('create index "case_transitions_org_id_event_type_at_index" on "case_transitions" ("org_id", "event_type", "at");');
    this.addSql('alter table "case_transitions" add constraint "case_transitions_case_id_version_unique" unique ("case_id", "version");');

    this.addSql(`create table "case_attachments" ("id" uuid not null, "org_id" uuid not null, "case_id" uuid not null, "kind" text check ("kind" in ('stl', 'dicom', 'pdf')) not null, "original_name" varchar(255) not null, "size" bigint not null, "sha256" varchar(64) not null, "storage_key" varchar(200) not null, "uploaded_by" uuid not null, "created_at" timestamptz not null, constraint "case_attachments_pkey" primary key ("id"));`);
    this.addSql('create index "case_attachments_case_id_index" on "case_attachments" ("case_id");');

    this.addSql('alter table "case_number_counters" add constraint "case_number_counters_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade on delete cascade;');
    this.addSql('alter table "lab_cases" add constraint "lab_cases_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "lab_cases" add constraint "lab_cases_dentist_user_id_foreign" foreign key ("dentist_user_id") references "users" ("id") on update cascade on delete set null;');
    this.addSql('alter table "lab_cases" add constraint "lab_cases_assigned_designer_id_foreign" foreign key ("assigned_designer_id") references "users" ("id") on update cascade on delete set null;');
    this.addSql('alter table "case_transitions" add constraint "case_transitions_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "case_transitions" add constraint "case_transitions_case_id_foreign" foreign key ("case_id") references "lab_cases" ("id") on update cascade;');
    this.addSql('alter table "case_attachments" add constraint "case_attachments_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "case_attachments" add constraint "case_attachments_case_id_foreign" foreign key ("case_id") references "lab_cases" ("id") on update cascade;');
    this.addSql('alter table "case_attachments" add constraint "case_attachments_uploaded_by_foreign" foreign key ("uploaded_by") references "users" ("id") on update cascade;');

    // Search at 100k cases needs the trigram index. `npm start` runs an embedded PGlite, which has
    // pg_trgm only when it is loaded at startup; without it search still answers (a sequential
    // ILIKE), so the index is made wherever the extension can be.
    this.addSql(`do $$ begin
      begin
        create extension if not exists pg_trgm;
      exception when others then
        raise notice 'pg_trgm is not available: case search runs without its index';
      end;
      if exists (select 1 from pg_extension where extname = 'pg_trgm') then
        create index "lab_cases_search_trgm_index" on "lab_cases" using gin ((case_number || ' ' || patient_name || ' ' || coalesce(account_number, '') || ' ' || coalesce(dentist_name, '') || ' ' || coalesce(notes, '')) gin_trgm_ops);
      end if;
    end $$;`);
  }
}
