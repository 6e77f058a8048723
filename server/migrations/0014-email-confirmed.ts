import { Migration } from '@mikro-orm/migrations';

/**
 * An invitation is answered only from an account whose owner has shown the address is theirs, by
 * using a link mailed to it. Self-registration and staff creation take a password nobody checked
 * against the inbox, so whoever chose it could otherwise accept an invitation meant for the
 * address's owner. No existing account has shown it yet.
 */
export class Migration0014EmailConfirmed extends Migration {
  override async up(): Promise<void> {
    this.addSql('alter table "users" add column "email_confirmed_at" timestamptz null;');
  }
}
