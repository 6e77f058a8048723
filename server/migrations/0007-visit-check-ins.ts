import { Migration } from '@mikro-orm/migrations';

/**
 * A doctor's check-ins by time: the wait estimator reads the last 14 days of them on every
 * recomputation, which otherwise scans every visit the org ever had.
 */
export class Migration0007VisitCheckIns extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index "visits_org_id_professional_id_checked_in_at_index" on "visits" ("org_id", "professional_id", "checked_in_at");');
  }
}
