import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { allowedEvents } from '../../../workflows/attempt';
import { visitMachine } from '../../../workflows/visit.machine';
import { ConflictError } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { countActiveItems } from '../prescriptions/prescriptions.service';
import { requireOwnVisit, visitView } from '../visits/visit-access';
import { applyVisitEvent, assertVisitVersion, persistedVisit } from '../visits/visit-transitions';
import { assertDoctorFree, lockDoctorRoom } from '../visits/visit-rules';
import type { VersionBody } from '../visits/visits.schemas';
import { ConsultationSessionSchema, type ConsultationSession } from './consultation-session.entity';

/**
 * The doctor starts the consultation of a called visit: visit.start, and a new session numbered
 * after the visit's earlier ones. A visit past its validity refuses new sessions (409), and so does
 * a doctor still in consultation with another patient (409 `consultation_open`).
 */
export async function startConsultation({ em, caller }: Scope, visitId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    // The doctor's lock before the visit's row, in the same order as callNext.
    await lockDoctorRoom(tx, caller.orgId, caller.userId);
    const visit = await requireOwnVisit(tx, caller, visitId, { lock: true });
    assertVisitVersion(visit, input.version);
    await assertDoctorFree(tx, caller.userId, { action: 'starting another consultation', statuses: ['in_consultation'], visitId: visit.id });
    const now = new Date();
    if (now >= visit.expiresAt) {
      // The machine would refuse too; say why, and list what can still happen to the visit.
      const allowed = allowedEvents(visitMachine, persistedVisit(visit), { role: caller.role, userId: caller.userId }).filter((type) => type !== 'visit.start');
      throw new ConflictError('visit_expired', `The visit expired at ${visit.expiresAt.toISOString()}; an expired visit refuses new sessions`, { allowed });
    }
    await applyVisitEvent(tx, caller, visit, { type: 'visit.start', actor: { role: caller.role, userId: caller.userId }, at: now.toISOString() }, { version: input.version, changedFields: ['sessionCount'] });
    const session = tx.create(ConsultationSessionSchema, {
      orgId: visit.orgId,
      visitId: visit.id,
      doctorUserId: caller.userId,
      sessionNumber: visit.context.sessionCount,
      status: 'open',
      startedAt: now,
    });
    recordAudit(tx, caller, { action: 'consultation.open', entityType: 'ConsultationSession', entityId: session.id, changedFields: ['sessionNumber', 'status', 'startedAt'] });
    await tx.flush();
    return { visit: await visitView(tx, caller, visit), session: publicSession(session) };
  });
}

/** Closes the open session; the visit goes to the pharmacy if the prescription has active items. */
export async function completeConsultation({ em, caller }: Scope, visitId: string, input: Static<typeof VersionBody>) {
  return em.transactional(async (tx) => {
    const visit = await requireOwnVisit(tx, caller, visitId, { lock: true });
    assertVisitVersion(visit, input.version);
    const session = await requireOpenSession(tx, caller, visit.id);
    const hasPrescription = (await countActiveItems(tx, visit.id)) > 0;
    const now = new Date();
    await applyVisitEvent(tx, caller, visit, { type: 'visit.complete', actor: { role: caller.role, userId: caller.userId }, at: now.toISOString(), hasPrescription }, { version: input.version, changedFields: ['hasPrescription'] });
    session.status = 'completed';
    session.completedAt = now;
    recordAudit(tx, caller, { action: 'consultation.complete', entityType: 'ConsultationSession', entityId: session.id, changedFields: ['status', 'completedAt'] });
    await tx.flush();
    return { visit: await visitView(tx, caller, visit), session: publicSession(session) };
  });
}

// ---- for other modules -------------------------------------------------------------------------

/** The visit's open session, if the caller is its doctor; otherwise 409: prescribing needs an open consultation. */
export async function requireOpenSession(em: EntityManager, caller: Caller, visitId: string): Promise<ConsultationSession> {
  const session = await em.findOne(ConsultationSessionSchema, { visitId, status: 'open', doctorUserId: caller.userId });
  if (!session) throw new ConflictError('no_open_session', 'This needs an open consultation session of this visit, started by you');
  return session;
}

export async function sessionsOf(em: EntityManager, visitId: string) {
  const sessions = await em.find(ConsultationSessionSchema, { visitId }, { orderBy: { sessionNumber: 'asc' } });
  return sessions.map(publicSession);
}

export function publicSession(session: ConsultationSession) {
  return {
    id: session.id,
    sessionNumber: session.sessionNumber,
    status: session.status,
    doctorUserId: session.doctorUserId,
    startedAt: session.startedAt.toISOString(),
    completedAt: session.completedAt?.toISOString() ?? null,
  };
}
