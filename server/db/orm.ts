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
    migrations: { migrationsList, transactional: true, allOrNothing: true },
    pool: { min: 0, max: poolMax },
    filters: {
      [tenantFilter]: {
        name: tenantFilter,
        // A missing orgId makes MikroORM throw: a query without a tenant fails closed.
        cond: (args: { orgId: string }) => ({ orgId: args.orgId }),
        default: true,
        entity: tenantEntities.map((schema) => schema.meta.className),
      },
    },
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
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/** Lends a raw driver connection from the ORM's pool, for code that speaks SQL directly (the outbox dispatcher). */
export function borrowConnection(orm: MikroORM) {
  const client = orm.em.getConnection().getKnex().client;
  return async () => {
    const connection = await client.acquireConnection();
    return Object.assign(connection, { release: () => void client.releaseConnection(connection) });
  };
}
