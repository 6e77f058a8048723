import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities, tenantEntities } from './entities';
import { migrationsList } from '../migrations';

export const tenantFilter = 'tenant';

export function ormOptions(databaseUrl: string, poolMax = 10): Options {
  return {
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    // No snapshot file: MikroORM 7 writes one into the working directory on every `up()`, and migrations here are written by hand.
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: poolMax },
    filters: {
      [tenantFilter]: {
        name: tenantFilter,
        // A missing orgId makes MikroORM throw: a query without a tenant fails closed.
        cond: (args: { orgId: string }) => ({ orgId: args.orgId }),
        default: true,
        entity: tenantEntities,
      },
    },
    // The committed migrations made every foreign key `on update cascade` (MikroORM 6 inferred it from the
    // default cascade of a relation; 7 infers nothing), so the entities keep describing the same keys.
    schemaGenerator: { defaultUpdateRule: 'cascade' },
    forceUtcTimezone: true,
    // Ids and timestamps exist from em.create on, so related rows can point at each other before the flush.
    processOnCreateHooksEarly: true,
    debug: false,
    // Entities are plain objects from defineEntity; no reflection needed.
    discovery: { warnWhenNoEntities: true },
  };
}

export async function openOrm(databaseUrl: string, poolMax?: number): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, poolMax));
}

export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/** Lends a raw driver connection from the ORM's pool, for code that speaks SQL directly (the outbox dispatcher). */
export function borrowConnection(orm: MikroORM) {
  return async () => (await orm.em.getConnection().getNativeClient()).connect();
}
