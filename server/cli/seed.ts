import { ConfigError, loadConfig } from '../config';
import { migrate, openOrm } from '../db/orm';
import { seedDemo } from '../demo/seed-demo';
import { newDisplayToken } from '../modules/displays/displays.service';

try {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), ...process.env });
  const orm = await openOrm(config.databaseUrl, 1);
  await migrate(orm);
  const displayToken = newDisplayToken();
  if (await seedDemo(orm, displayToken)) console.log(`Demo data created; the demo waiting-room display is at /display/${displayToken}`);
  else console.log('The database already has data; nothing seeded');
  await orm.close();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
