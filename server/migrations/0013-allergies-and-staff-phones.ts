import { Migration } from '@mikro-orm/migrations';

/**
 * Structured allergies on the patient record, checked when a medicine is prescribed; a prescribed
 * item keeps the allergies its doctor knowingly overrode. Staff get a phone of their own (set by
 * themselves, on their account) and their consent to WhatsApp, so doctors hear of their bookings.
 */
export class Migration0013AllergiesAndStaffPhones extends Migration {
  override async up(): Promise<void> {
    // Existing records start with no known allergies; new rows are given their list by the ORM.
    this.addSql(`alter table "patients" add column "allergies" jsonb not null default '[]';`);
    this.addSql(`alter table "patients" alter column "allergies" drop default;`);
    this.addSql(`alter table "prescription_items" add column "allergy_override" jsonb null;`);
    this.addSql(`alter table "users" add column "phone" varchar(16) null, add column "whatsapp_consent" boolean not null default false, add column "whatsapp_consent_at" timestamptz null;`);
  }
}
