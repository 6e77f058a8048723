import { ConfigError, loadConfig } from '../config';
import { migrate, openOrm } from '../db/orm';
import { seedDemo } from '../demo/seed-demo';

try {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ...process.env });
  const orm = await openOrm(config.databaseUrl, 1);
  await migrate(orm);
  console.log((await seedDemo(orm)) ? 'Demo data created' : 'The database already has data; nothing seeded');
  await orm.close();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
