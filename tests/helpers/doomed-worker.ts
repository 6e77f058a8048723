/**
 * A notifications worker in a process of its own, for the test that kills one mid-job with SIGKILL:
 * only a real process death stops its lock renewals the way a crash does.
 */
import { Worker } from 'bullmq';
import { openOrm } from '../../server/db/orm';
import { notificationProcessor, notificationsQueueName } from '../../server/modules/notifications/notifications.queue';
import { WhatsAppCloudSender } from '../../server/modules/notifications/providers';

const env = process.env as Record<string, string>;
const orm = await openOrm(env.DATABASE_URL!, 2);
const worker = new Worker(notificationsQueueName, notificationProcessor(orm, { email: null, whatsapp: new WhatsAppCloudSender(env.WHATSAPP_API_URL!, null) }), {
  connection: { host: '127.0.0.1', port: Number(new URL(env.REDIS_URL!).port || 6379), maxRetriesPerRequest: null },
  prefix: env.BULL_PREFIX!,
  lockDuration: 1500,
  stalledInterval: 500,
});
await worker.waitUntilReady();
process.send?.('ready');
