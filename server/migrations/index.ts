import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001Foundation } from './0001-foundation';
import { Migration0002Outbox } from './0002-outbox';
import { Migration0003LabCases } from './0003-lab-cases';
import { Migration0004Clinic } from './0004-clinic';
import { Migration0005Displays } from './0005-displays';
import { Migration0006Workers } from './0006-workers';
import { Migration0007VisitCheckIns } from './0007-visit-check-ins';
import { Migration0008AccessChanges } from './0008-access-changes';
import { Migration0009OrgTimeZone } from './0009-org-time-zone';
import { Migration0010Identity } from './0010-identity';
import { Migration0011SessionVersion } from './0011-session-version';
import { Migration0012AuditEntityIds } from './0012-audit-entity-ids';
import { Migration0013AllergiesAndStaffPhones } from './0013-allergies-and-staff-phones';
import { Migration0014EmailConfirmed } from './0014-email-confirmed';

/** Listed explicitly so the same build runs under tsx, vitest and bundlers without globbing. */
export const migrationsList: MigrationObject[] = [
  { name: '0001-foundation', class: Migration0001Foundation },
  { name: '0002-outbox', class: Migration0002Outbox },
  { name: '0003-lab-cases', class: Migration0003LabCases },
  { name: '0004-clinic', class: Migration0004Clinic },
  { name: '0005-displays', class: Migration0005Displays },
  { name: '0006-workers', class: Migration0006Workers },
  { name: '0007-visit-check-ins', class: Migration0007VisitCheckIns },
  { name: '0008-access-changes', class: Migration0008AccessChanges },
  { name: '0009-org-time-zone', class: Migration0009OrgTimeZone },
  { name: '0010-identity', class: Migration0010Identity },
  { name: '0011-session-version', class: Migration0011SessionVersion },
  { name: '0012-audit-entity-ids', class: Migration0012AuditEntityIds },
  { name: '0013-allergies-and-staff-phones', class: Migration0013AllergiesAndStaffPhones },
  { name: '0014-email-confirmed', class: Migration0014EmailConfirmed },
];
