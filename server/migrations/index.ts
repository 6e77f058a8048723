import type { MigrationObject } from '@mikro-orm/core';
import { Migration0001Foundation } from './0001-foundation';
import { Migration0002Outbox } from './0002-outbox';

/** Listed explicitly so the same build runs under tsx, vitest and bundlers without globbing. */
export const migrationsList: MigrationObject[] = [
  { name: '0001-foundation', class: Migration0001Foundation },
  { name: '0002-outbox', class: Migration0002Outbox },
];
