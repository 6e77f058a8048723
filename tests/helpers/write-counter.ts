import type { MikroORM } from '@mikro-orm/postgresql';

export type WriteCounts = Record<string, number>;

export interface WriteCounter {
  /** Committed write statements so far, per table. */
  read(): Promise<WriteCounts>;
  /** The tables written since `before` was read. */
  writtenSince(before: WriteCounts): Promise<string[]>;
}

/**
 * Counts committed writes to every table of a test file's own database: a statement-level trigger
 * on each table bumps that table's row in `test_writes`. The bump is part of the writing
 * transaction, so a rolled-back attempt leaves the count alone, and other test files' databases
 * cannot touch it. Install it after the app has migrated and before the requests under test.
 */
export async function installWriteCounter(orm: MikroORM): Promise<WriteCounter> {
  const connection = orm.em.getConnection();
  await connection.execute('create table test_writes (table_name text primary key, n bigint not null default 0)');
  await connection.execute(`create function test_count_write() returns trigger language plpgsql as $$
    begin update test_writes set n = n + 1 where table_name = TG_TABLE_NAME; return null; end $$`);
  const tables = await connection.execute<{ tablename: string }[]>("select tablename from pg_tables where schemaname = 'public' and tablename <> 'test_writes'");
  for (const { tablename } of tables) {
    await connection.execute('insert into test_writes (table_name) values (?)', [tablename]);
    await connection.execute(`create trigger test_count_write after insert or update or delete on "${tablename}" for each statement execute function test_count_write()`);
  }
  const read = async (): Promise<WriteCounts> => {
    const rows = await orm.em.getConnection().execute<{ table_name: string; n: string }[]>('select table_name, n from test_writes');
    return Object.fromEntries(rows.map((row) => [row.table_name, Number(row.n)]));
  };
  return {
    read,
    writtenSince: async (before) => {
      const now = await read();
      return Object.keys(now).filter((table) => now[table] !== before[table]);
    },
  };
}
