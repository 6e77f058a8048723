import { Migration } from '@mikro-orm/migrations';

/**
 * The clinic flow (issue 4): patients and their record-number counter, professional profiles,
 * appointments with the no-double-booking exclusion constraint, visits with daily ticket counters
 * and vitals, consultation sessions, prescriptions and the pharmacy's dispense records.
 */
export class Migration0004Clinic extends Migration {
  override async up(): Promise<void> {
    // The exclusion constraint compares professional_id (a uuid) with = inside a GiST index, which
    // needs btree_gist's operator classes. It is a trusted extension: the database owner may create it.
    this.addSql('create extension if not exists btree_gist;');
    this.addSql('create table "patient_counters" ("org_id" uuid not null, "last_number" int not null, constraint "patient_counters_pkey" primary key ("org_id"));');
    this.addSql('create table "visit_ticket_counters" ("org_id" uuid not null, "day" date not null, "prefix" varchar(1) not null, "last_number" int not null, constraint "visit_ticket_counters_pkey" primary key ("org_id", "day", "prefix"));');
    this.addSql('create table "patients" ("id" uuid not null, "org_id" uuid not null, "record_number" varchar(20) not null, "full_name" varchar(200) not null, "date_of_birth" date not null, "gender" text check ("gender" in (\'female\', \'male\', \'other\', \'undisclosed\')) not null, "phone" varchar(16) not null, "email" varchar(320) null, "address" text null, "medical_history" text null, "consent_email" boolean not null default false, "consent_whatsapp" boolean not null default false, "hide_on_public_screens" boolean not null default false, "user_id" uuid null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "deleted_at" timestamptz null, "version" int not null default 1, constraint "patients_pkey" primary key ("id"));');
    this.addSql('create index "patients_org_id_full_name_index" on "patients" ("org_id", "full_name");');
    this.addSql('create index "patients_org_id_phone_index" on "patients" ("org_id", "phone");');
    this.addSql('alter table "patients" add constraint "patients_org_id_record_number_unique" unique ("org_id", "record_number");');
    this.addSql('alter table "patients" add constraint "patients_org_id_user_id_unique" unique ("org_id", "user_id");');
    this.addSql('create table "professional_profiles" ("id" uuid not null, "org_id" uuid not null, "membership_id" uuid not null, "user_id" uuid not null, "display_name" varchar(200) not null, "specialty" varchar(100) not null, "council_number" varchar(40) not null, "room" varchar(60) not null, "ticket_prefix" varchar(1) not null, "active" boolean not null default true, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "professional_profiles_pkey" primary key ("id"), constraint professional_profiles_ticket_prefix_check check (ticket_prefix ~ \'^[A-Z]$\'));');
    this.addSql('alter table "professional_profiles" add constraint "professional_profiles_membership_id_unique" unique ("membership_id");');
    this.addSql('create index "professional_profiles_org_id_specialty_index" on "professional_profiles" ("org_id", "specialty");');
    this.addSql('create index "professional_profiles_org_id_user_id_index" on "professional_profiles" ("org_id", "user_id");');
    this.addSql('create table "appointments" ("id" uuid not null, "org_id" uuid not null, "patient_id" uuid not null, "professional_id" uuid not null, "treatment" varchar(200) not null, "starts_at" timestamptz not null, "ends_at" timestamptz not null, "duration_minutes" int not null, "status" varchar(32) not null, "context" jsonb not null, "booked_by_user_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "appointments_pkey" primary key ("id"));');
    this.addSql('create index "appointments_org_id_professional_id_starts_at_index" on "appointments" ("org_id", "professional_id", "starts_at");');
    this.addSql('create index "appointments_org_id_patient_id_starts_at_index" on "appointments" ("org_id", "patient_id", "starts_at");');
    this.addSql('alter table "appointments" add constraint "appointments_no_double_booking" exclude using gist ("professional_id" with =, tstzrange("starts_at", "ends_at", \'[)\') with &&) where ("status" in (\'scheduled\', \'checked_in\', \'finished\'));');
    this.addSql('create table "appointment_transitions" ("id" uuid not null, "org_id" uuid not null, "appointment_id" uuid not null, "event" varchar(60) not null, "from_status" varchar(32) null, "to_status" varchar(32) not null, "actor_user_id" uuid null, "actor_role" varchar(32) null, "at" timestamptz not null, constraint "appointment_transitions_pkey" primary key ("id"));');
    this.addSql('create index "appointment_transitions_appointment_id_index" on "appointment_transitions" ("appointment_id");');
    this.addSql('create table "visits" ("id" uuid not null, "org_id" uuid not null, "patient_id" uuid not null, "professional_id" uuid not null, "doctor_user_id" uuid not null, "appointment_id" uuid null, "validity_days" int not null default 7, "expires_at" timestamptz not null, "ticket_day" date not null, "ticket_number" varchar(12) not null, "priority" smallint not null default 0, "checked_in_at" timestamptz not null, "called_at" timestamptz null, "status" varchar(32) not null, "context" jsonb not null, "quoted_wait_minutes" int null, "status_token" varchar(64) not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "version" int not null default 1, constraint "visits_pkey" primary key ("id"));');
    this.addSql('alter table "visits" add constraint "visits_appointment_id_unique" unique ("appointment_id");');
    this.addSql('alter table "visits" add constraint "visits_status_token_unique" unique ("status_token");');
    this.addSql('create index "visits_org_id_doctor_user_id_status_index" on "visits" ("org_id", "doctor_user_id", "status");');
    this.addSql('create index "visits_org_id_patient_id_checked_in_at_index" on "visits" ("org_id", "patient_id", "checked_in_at");');
    this.addSql('create index "visits_org_id_status_index" on "visits" ("org_id", "status");');
    this.addSql('alter table "visits" add constraint "visits_org_id_ticket_day_ticket_number_unique" unique ("org_id", "ticket_day", "ticket_number");');
    this.addSql('create table "treatment_records" ("id" uuid not null, "org_id" uuid not null, "patient_id" uuid not null, "appointment_id" uuid null, "visit_id" uuid null, "doctor_user_id" uuid not null, "diagnosis" text not null, "notes" text null, "created_at" timestamptz not null, constraint "treatment_records_pkey" primary key ("id"));');
    this.addSql('create index "treatment_records_org_id_patient_id_created_at_index" on "treatment_records" ("org_id", "patient_id", "created_at");');
    this.addSql('create table "prescriptions" ("id" uuid not null, "org_id" uuid not null, "visit_id" uuid not null, "created_at" timestamptz not null, constraint "prescriptions_pkey" primary key ("id"));');
    this.addSql('alter table "prescriptions" add constraint "prescriptions_visit_id_unique" unique ("visit_id");');
    this.addSql('create table "dispense_records" ("id" uuid not null, "org_id" uuid not null, "prescription_id" uuid not null, "session_number" int not null, "printed_at" timestamptz not null, "printed_by_user_id" uuid not null, "dispensed_at" timestamptz null, "dispensed_by_user_id" uuid null, constraint "dispense_records_pkey" primary key ("id"));');
    this.addSql('alter table "dispense_records" add constraint "dispense_records_prescription_id_session_number_unique" unique ("prescription_id", "session_number");');
    this.addSql('create table "patient_vitals" ("id" uuid not null, "org_id" uuid not null, "visit_id" uuid not null, "height_cm" numeric(4,1) null, "weight_kg" numeric(5,2) null, "systolic" smallint null, "diastolic" smallint null, "pulse" smallint null, "temperature_c" numeric(3,1) null, "recorded_by_user_id" uuid not null, "recorded_at" timestamptz not null, constraint "patient_vitals_pkey" primary key ("id"));');
    this.addSql('alter table "patient_vitals" add constraint "patient_vitals_visit_id_unique" unique ("visit_id");');
    this.addSql('create table "consultation_sessions" ("id" uuid not null, "org_id" uuid not null, "visit_id" uuid not null, "doctor_user_id" uuid not null, "session_number" int not null, "status" text check ("status" in (\'open\', \'completed\')) not null default \'open\', "started_at" timestamptz not null, "completed_at" timestamptz null, constraint "consultation_sessions_pkey" primary key ("id"));');
    this.addSql('create index "consultation_sessions_org_id_doctor_user_id_completed_at_index" on "consultation_sessions" ("org_id", "doctor_user_id", "completed_at");');
    this.addSql('create unique index "consultation_sessions_one_open_per_visit" on "consultation_sessions" ("visit_id") where "status" = \'open\';');
    this.addSql('alter table "consultation_sessions" add constraint "consultation_sessions_visit_id_session_number_unique" unique ("visit_id", "session_number");');
    this.addSql('create table "prescription_items" ("id" uuid not null, "org_id" uuid not null, "prescription_id" uuid not null, "medicine" varchar(200) not null, "dosage" varchar(100) not null, "frequency" varchar(100) not null, "duration" varchar(100) not null, "status" text check ("status" in (\'active\', \'stopped\')) not null default \'active\', "added_in_session_id" uuid not null, "stopped_in_session_id" uuid null, "created_at" timestamptz not null, "stopped_at" timestamptz null, constraint "prescription_items_pkey" primary key ("id"));');
    this.addSql('create index "prescription_items_prescription_id_index" on "prescription_items" ("prescription_id");');
    this.addSql('create table "visit_transitions" ("id" uuid not null, "org_id" uuid not null, "visit_id" uuid not null, "event" varchar(60) not null, "from_status" varchar(32) null, "to_status" varchar(32) not null, "actor_user_id" uuid null, "actor_role" varchar(32) null, "at" timestamptz not null, constraint "visit_transitions_pkey" primary key ("id"));');
    this.addSql('create index "visit_transitions_visit_id_index" on "visit_transitions" ("visit_id");');
    this.addSql('alter table "patient_counters" add constraint "patient_counters_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade on delete cascade;');
    this.addSql('alter table "visit_ticket_counters" add constraint "visit_ticket_counters_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "patients" add constraint "patients_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "patients" add constraint "patients_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete set null;');
    this.addSql('alter table "professional_profiles" add constraint "professional_profiles_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "professional_profiles" add constraint "professional_profiles_membership_id_foreign" foreign key ("membership_id") references "memberships" ("id") on update cascade;');
    this.addSql('alter table "professional_profiles" add constraint "professional_profiles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "appointments" add constraint "appointments_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "appointments" add constraint "appointments_patient_id_foreign" foreign key ("patient_id") references "patients" ("id") on update cascade;');
    this.addSql('alter table "appointments" add constraint "appointments_professional_id_foreign" foreign key ("professional_id") references "professional_profiles" ("id") on update cascade;');
    this.addSql('alter table "appointments" add constraint "appointments_booked_by_user_id_foreign" foreign key ("booked_by_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "appointment_transitions" add constraint "appointment_transitions_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "appointment_transitions" add constraint "appointment_transitions_appointment_id_foreign" foreign key ("appointment_id") references "appointments" ("id") on update cascade;');
    this.addSql('alter table "visits" add constraint "visits_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "visits" add constraint "visits_patient_id_foreign" foreign key ("patient_id") references "patients" ("id") on update cascade;');
    this.addSql('alter table "visits" add constraint "visits_professional_id_foreign" foreign key ("professional_id") references "professional_profiles" ("id") on update cascade;');
    this.addSql('alter table "visits" add constraint "visits_doctor_user_id_foreign" foreign key ("doctor_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "visits" add constraint "visits_appointment_id_foreign" foreign key ("appointment_id") references "appointments" ("id") on update cascade on delete set null;');
    this.addSql('alter table "treatment_records" add constraint "treatment_records_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "treatment_records" add constraint "treatment_records_patient_id_foreign" foreign key ("patient_id") references "patients" ("id") on update cascade;');
    this.addSql('alter table "treatment_records" add constraint "treatment_records_appointment_id_foreign" foreign key ("appointment_id") references "appointments" ("id") on update cascade on delete set null;');
    this.addSql('alter table "treatment_records" add constraint "treatment_records_visit_id_foreign" foreign key ("visit_id") references "visits" ("id") on update cascade on delete set null;');
    this.addSql('alter table "treatment_records" add constraint "treatment_records_doctor_user_id_foreign" foreign key ("doctor_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "prescriptions" add constraint "prescriptions_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "prescriptions" add constraint "prescriptions_visit_id_foreign" foreign key ("visit_id") references "visits" ("id") on update cascade;');
    this.addSql('alter table "dispense_records" add constraint "dispense_records_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "dispense_records" add constraint "dispense_records_prescription_id_foreign" foreign key ("prescription_id") references "prescriptions" ("id") on update cascade;');
    this.addSql('alter table "dispense_records" add constraint "dispense_records_printed_by_user_id_foreign" foreign key ("printed_by_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "dispense_records" add constraint "dispense_records_dispensed_by_user_id_foreign" foreign key ("dispensed_by_user_id") references "users" ("id") on update cascade on delete set null;');
    this.addSql('alter table "patient_vitals" add constraint "patient_vitals_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "patient_vitals" add constraint "patient_vitals_visit_id_foreign" foreign key ("visit_id") references "visits" ("id") on update cascade;');
    this.addSql('alter table "patient_vitals" add constraint "patient_vitals_recorded_by_user_id_foreign" foreign key ("recorded_by_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "consultation_sessions" add constraint "consultation_sessions_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "consultation_sessions" add constraint "consultation_sessions_visit_id_foreign" foreign key ("visit_id") references "visits" ("id") on update cascade;');
    this.addSql('alter table "consultation_sessions" add constraint "consultation_sessions_doctor_user_id_foreign" foreign key ("doctor_user_id") references "users" ("id") on update cascade;');
    this.addSql('alter table "prescription_items" add constraint "prescription_items_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "prescription_items" add constraint "prescription_items_prescription_id_foreign" foreign key ("prescription_id") references "prescriptions" ("id") on update cascade;');
    this.addSql('alter table "prescription_items" add constraint "prescription_items_added_in_session_id_foreign" foreign key ("added_in_session_id") references "consultation_sessions" ("id") on update cascade;');
    this.addSql('alter table "prescription_items" add constraint "prescription_items_stopped_in_session_id_foreign" foreign key ("stopped_in_session_id") references "consultation_sessions" ("id") on update cascade on delete set null;');
    this.addSql('alter table "visit_transitions" add constraint "visit_transitions_org_id_foreign" foreign key ("org_id") references "orgs" ("id") on update cascade;');
    this.addSql('alter table "visit_transitions" add constraint "visit_transitions_visit_id_foreign" foreign key ("visit_id") references "visits" ("id") on update cascade;');
  }
}
