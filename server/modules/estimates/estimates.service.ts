import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { clinicDay } from '../appointments/clinic-calendar';
import { ConsultationSessionSchema } from '../consultations/consultation-session.entity';
import { ProfessionalProfileSchema } from '../professionals/professional-profile.entity';
import { announcePublicScreens } from '../public-screens/public-screens.service';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';
import { VisitSchema } from '../visits/visit.entity';
import { queuedVisitStatuses } from '../visits/visit-statuses';
import { WaitEstimateSchema, type WaitEstimate } from './wait-estimate.entity';
import { estimateWaits, type QueueState } from './wait-estimator';

export const estimatesUpdated = 'estimates.updated.v1';
/** How far back a doctor's consultation lengths count. */
const historyDays = 14;

/** The same queue always gets the same quote: the resampling is seeded by the professional. */
const seedOf = (professionalId: string) => createHash('sha256').update(professionalId).digest().readUInt32LE(0);

/** What the estimator needs to know of one doctor's day, read in `em`'s org. */
export async function queueState(em: EntityManager, professionalId: string, now: Date): Promise<{ state: QueueState; queue: { id: string }[] } | null> {
  const professional = await em.findOne(ProfessionalProfileSchema, { id: professionalId });
  if (!professional) return null;
  const sessions = await em.find(
    ConsultationSessionSchema,
    { doctorUserId: professional.userId, status: 'completed', completedAt: { $gte: new Date(now.getTime() - historyDays * 86_400_000) } },
    { orderBy: { completedAt: 'desc' }, limit: 300, fields: ['startedAt', 'completedAt'] },
  );
  const open = await em.findOne(ConsultationSessionSchema, { doctorUserId: professional.userId, status: 'open' }, { orderBy: { startedAt: 'desc' } });
  const queue = await em.find(
    VisitSchema,
    { professionalId, status: { $in: [...queuedVisitStatuses] } },
    { orderBy: [{ status: 'asc' }, { priority: 'desc' }, { checkedInAt: 'asc' }, { id: 'asc' }], fields: ['id'] },
  );
  const today = clinicDay(now);
  return {
    queue,
    state: {
      durations: sessions.map((s) => ({ minutes: (s.completedAt!.getTime() - s.startedAt.getTime()) / 60_000, today: clinicDay(s.completedAt!) === today })),
      inProgressElapsed: open ? (now.getTime() - open.startedAt.getTime()) / 60_000 : null,
      queueLength: queue.length,
    },
  };
}

/**
 * Recomputes and stores one professional's wait quote, and pushes it to the reception, the doctor's
 * own screen, the waiting-room displays and the patients' status pages, in one transaction.
 */
export async function recomputeWaitEstimate(em: EntityManager, orgId: string, professionalId: string, now = new Date()): Promise<WaitEstimate | null> {
  return em.transactional(async (tx) => {
    const read = await queueState(tx, professionalId, now);
    if (!read) return null;
    const estimate = estimateWaits(read.state, seedOf(professionalId));
    const byVisit = Object.fromEntries(read.queue.map((visit, i) => [visit.id, estimate.byPosition[i]!]));
    const values = { orgId, professionalId, newArrival: estimate.newArrival, byVisit, basis: estimate.basis, computedAt: now };
    const stored = await tx.upsert(WaitEstimateSchema, values);
    const professional = await tx.findOneOrFail(ProfessionalProfileSchema, { id: professionalId });
    emitScreenEvent(tx, {
      orgId,
      type: estimatesUpdated,
      rooms: [rooms.reception(orgId), rooms.doctorQueue(orgId, professional.userId)],
      payload: { professionalId, newArrival: estimate.newArrival, byVisit, basis: estimate.basis, computedAt: now.toISOString() },
    });
    await announcePublicScreens(tx, orgId, professionalId);
    await tx.flush();
    return stored;
  });
}

/** Every professional with someone in their queue, across orgs: what the minute sweep refreshes. */
export async function busyProfessionals(em: EntityManager): Promise<{ orgId: string; professionalId: string }[]> {
  const rows = await em.getConnection().execute<{ org_id: string; professional_id: string }[]>(
    `select distinct org_id, professional_id from visits where status in (${queuedVisitStatuses.map(() => '?').join(', ')})`,
    [...queuedVisitStatuses],
  );
  return rows.map((row) => ({ orgId: row.org_id, professionalId: row.professional_id }));
}
