import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { tenantFilter } from '../../db/orm';
import type { CommittedEvent } from '../realtime/outbox';
import { refreshPublicScreens } from './public-screens.service';

export const publicScreensQueueName = 'public-screens';

export interface PublicScreensJob {
  orgId: string;
  professionalId: string;
}

/**
 * What makes a professional's displays and status pages stale: their queue moved, or their wait
 * quote was recomputed.
 */
const staleningEvents = new Set(['queue.changed.v1', 'estimates.updated.v1']);

export function createPublicScreensQueue(connection: ConnectionOptions, prefix: string): Queue<PublicScreensJob> {
  return new Queue<PublicScreensJob>(publicScreensQueueName, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 200 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
}

/**
 * The outbox dispatcher's sink: a committed change to a professional's queue or quote schedules one
 * refresh of that professional's public screens, at once (the waiting room sees a call as it is
 * made). Changes while a refresh is waiting join it (it reads after them); a change while one runs
 * gets exactly one more after it, so none is missed and one professional's refreshes never overlap.
 * A burst costs at most two refreshes per professional: the dispatcher already hands over every
 * commit of a wake-up in one batch.
 */
export async function schedulePublicScreens(queue: Queue<PublicScreensJob>, events: CommittedEvent[]): Promise<void> {
  const stale = new Map<string, PublicScreensJob>();
  for (const event of events) {
    if (!staleningEvents.has(event.type) || typeof event.payload.professionalId !== 'string') continue;
    stale.set(event.payload.professionalId, { orgId: event.orgId, professionalId: event.payload.professionalId });
  }
  for (const job of stale.values()) {
    await queue.add('public-screens.refresh', job, {
      deduplication: { id: `public-screens.${job.professionalId}`, keepLastIfActive: true },
    });
  }
}

export function startPublicScreensWorker(orm: MikroORM, connection: ConnectionOptions, prefix: string, logger: FastifyBaseLogger) {
  const worker = new Worker<PublicScreensJob>(
    publicScreensQueueName,
    async (job) => {
      const em = orm.em.fork();
      em.setFilterParams(tenantFilter, { orgId: job.data.orgId });
      return refreshPublicScreens(em, job.data.orgId, job.data.professionalId);
    },
    { connection, prefix, concurrency: 4 },
  );
  worker.on('failed', (job, err) => logger.warn({ jobId: job?.id, err }, 'public screens refresh failed'));
  worker.on('error', (err) => logger.warn({ err }, 'public screens worker error'));
  return worker;
}
