import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { clinicDay, dayBounds } from '../appointments/clinic-calendar';
import { ConsultationSessionSchema } from '../consultations/consultation-session.entity';
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

/** What the estimator needs to know of one doctor's day, read in `em`'s org; `orgId` filters the raw SQL, which the tenant filter does not reach. */
export async function queueState(em: EntityManager, orgId: string, professionalId: string, now: Date): Promise<{ state: QueueState; queue: { id: string }[]; doctorUserId: string } | null> {
  // The org's zone comes with the professional: the history is counted in the clinic's days.
  const [professional] = await em.getConnection().execute<{ user_id: string; time_zone: string }[]>(
    `select p.user_id, o.time_zone from professional_profiles p join orgs o on o.id = p.org_id where p.org_id = ? and p.id = ?`,
    [orgId, professionalId],
    'all',
    em.getTransactionContext(),
  );
  if (!professional) return null;
  const doctorUserId = professional.user_id;
  const sessions = await em.find(
    ConsultationSessionSchema,
    { doctorUserId, status: 'completed', completedAt: { $gte: new Date(now.getTime() - historyDays * 86_400_000) } },
    { orderBy: { completedAt: 'desc' }, limit: 300, fields: ['startedAt', 'completedAt'] },
  );
  const open = await em.findOne(ConsultationSessionSchema, { doctorUserId, status: 'open' }, { orderBy: { startedAt: 'desc' } });
  const queue = await em.find(
    VisitSchema,
    { professionalId, status: { $in: [...queuedVisitStatuses] } },
    { orderBy: [{ status: 'asc' }, { priority: 'desc' }, { checkedInAt: 'asc' }, { id: 'asc' }], fields: ['id', 'status', 'priority'] },
  );
  const checkInDays = await em.getConnection().execute<{ check_ins: number; urgent: number; minutes: number }[]>(
    `select count(*)::int as check_ins, (count(*) filter (where priority > 0))::int as urgent,
            extract(epoch from max(checked_in_at) - min(checked_in_at))::float8 / 60 as minutes
       from visits where org_id = ? and professional_id = ? and checked_in_at >= ? and checked_in_at <= ?
      group by ticket_day`,
    [orgId, professionalId, new Date(now.getTime() - historyDays * 86_400_000), now],
    'all',
    em.getTransactionContext(),
  );
  const dayStart = (instant: Date) => dayBounds(clinicDay(instant, professional.time_zone), professional.time_zone).start.getTime();
  const today = dayStart(now);
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  const daysAgo = (instant: Date) => Math.round((today - dayStart(instant)) / 86_400_000);
  return {
    queue,
    doctorUserId,
    state: {
      durations: sessions.map((s) => ({ minutes: (s.completedAt!.getTime() - s.startedAt.getTime()) / 60_000, daysAgo: daysAgo(s.completedAt!) })),
      inProgressElapsed: open ? (now.getTime() - open.startedAt.getTime()) / 60_000 : null,
      queueLength: queue.length,
      // The queue is in calling order, called first and then urgent: the two make up its head.
      calledOrUrgent: queue.filter((visit) => visit.status === 'called' || visit.priority > 0).length,
      checkInDays: checkInDays.map((day) => ({ checkIns: day.check_ins, urgent: day.urgent, minutes: day.minutes })),
    },
  };
}

/**
 * Recomputes and stores one professional's wait quote, and pushes it to the reception and the doctor's
 * own screen in one transaction; its event has the public-screens job refresh the displays and the
 * patients' status pages.
 */
export async function recomputeWaitEstimate(em: EntityManager, orgId: string, professionalId: string, now = new Date()): Promise<WaitEstimate | null> {
  return em.transactional(async (tx) => {
    const read = await queueState(tx, orgId, professionalId, now);
    if (!read) return null;
    const estimate = estimateWaits(read.state, seedOf(professionalId));
    const byVisit = Object.fromEntries(read.queue.map((visit, i) => [visit.id, estimate.byPosition[i]!]));
    const values = { orgId, professionalId, newArrival: estimate.newArrival, byVisit, basis: estimate.basis, computedAt: now };
    const stored = await tx.upsert(WaitEstimateSchema, values);
    emitScreenEvent(tx, {
      orgId,
      type: estimatesUpdated,
      rooms: [rooms.reception(orgId), rooms.doctorQueue(orgId, read.doctorUserId)],
      payload: { professionalId, newArrival: estimate.newArrival, byVisit, basis: estimate.basis, computedAt: now.toISOString() },
    });
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
