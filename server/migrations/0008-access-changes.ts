import { Migration } from '@mikro-orm/migrations';

/**
 * Every change to who may act where (memberships, users, orgs) is announced on `cuspid_access`, so
 * each server process drops the access checks it remembers (server/modules/auth/membership-cache.ts).
 * Statement-level and on every column: a change nobody thought of is announced too.
 */
export class Migration0008AccessChanges extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function access_changed() returns trigger language plpgsql as $$
      begin perform pg_notify('cuspid_access', ''); return null; end $$;`);
    for (const table of ['memberships', 'users', 'orgs']) {
      this.addSql(`create trigger ${table}_access_changed after insert or update or delete or truncate on ${table}
        for each statement execute function access_changed();`);
    }
  }
}
