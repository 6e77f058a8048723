import { ConfigError, loadConfig } from '../config';
import { migrate, openOrm } from '../db/orm';

try {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ...process.env });
  const orm = await openOrm(config.databaseUrl, 1);
  const applied = await migrate(orm);
  console.log(applied.length ? `Applied ${applied.join(', ')}` : 'Database is up to date');
  await orm.close();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
