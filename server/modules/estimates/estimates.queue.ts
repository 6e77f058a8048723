import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { tenantFilter } from '../../db/orm';
import type { CommittedEvent } from '../realtime/outbox';
import { busyProfessionals, recomputeWaitEstimate } from './estimates.service';

export const estimatesQueueName = 'estimates';

export interface EstimateJob {
  orgId: string;
  professionalId: string;
}

/** A burst of queue changes (a doctor calling three patients) recomputes once, after it settles. */
const debounceMs = 1500;

export function createEstimatesQueue(connection: ConnectionOptions, prefix: string): Queue<EstimateJob> {
  return new Queue<EstimateJob>(estimatesQueueName, {
    connection,
    prefix,
    defaultJobOptions: { attempts: 3, backoff: { type: 'exponential', delay: 500 }, removeOnComplete: 1000, removeOnFail: 1000 },
  });
}

/** The outbox dispatcher's sink: a queue change schedules that professional's recomputation. */
export async function scheduleEstimates(queue: Queue<EstimateJob>, events: CommittedEvent[]): Promise<void> {
  const changed = new Map<string, EstimateJob>();
  for (const event of events) {
    if (event.type !== 'queue.changed.v1' || typeof event.payload.professionalId !== 'string') continue;
    changed.set(event.payload.professionalId, { orgId: event.orgId, professionalId: event.payload.professionalId });
  }
  for (const job of changed.values()) {
    await queue.add('estimates.recompute', job, {
      delay: debounceMs,
      deduplication: { id: `estimate.${job.professionalId}`, ttl: debounceMs, extend: true, replace: true },
    });
  }
}

/**
 * Every minute, every busy queue: the consultation in progress keeps running, so a quote goes stale
 * even when nothing else happens.
 */
export async function scheduleEstimatesSweep(queue: Queue<EstimateJob>): Promise<void> {
  await queue.upsertJobScheduler('estimates.sweep', { every: 60_000 }, { name: 'estimates.sweep', data: { orgId: '', professionalId: '' } });
}

/** Recomputes on demand, and for the sweep. */
export function startEstimatesWorker(orm: MikroORM, connection: ConnectionOptions, prefix: string, logger: FastifyBaseLogger) {
  const worker = new Worker<EstimateJob>(
    estimatesQueueName,
    async (job) => {
      if (job.name === 'estimates.sweep') {
        const busy = await busyProfessionals(orm.em.fork());
        for (const each of busy) await recompute(orm, each);
        return busy.length;
      }
      await recompute(orm, job.data);
      return 1;
    },
    { connection, prefix, concurrency: 4 },
  );
  worker.on('error', (err) => logger.warn({ err }, 'estimates worker error'));
  return worker;
}

async function recompute(orm: MikroORM, { orgId, professionalId }: EstimateJob): Promise<void> {
  const em = orm.em.fork();
  em.setFilterParams(tenantFilter, { orgId });
  await recomputeWaitEstimate(em, orgId, professionalId);
}
