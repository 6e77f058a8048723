import type { EntityManager } from '@mikro-orm/postgresql';
import { DisplaySchema, type Display } from '../displays/display.entity';
import { WaitEstimateSchema, type WaitEstimate } from '../estimates/wait-estimate.entity';
import type { Range } from '../estimates/wait-estimator';
import { OrgSchema } from '../orgs/org.entity';
import { PatientSchema } from '../patients/patient.entity';
import { ProfessionalProfileSchema, type ProfessionalProfile } from '../professionals/professional-profile.entity';
import { emitScreenEvent } from '../realtime/outbox';
import { rooms } from '../realtime/rooms';
import { VisitSchema, type Visit } from '../visits/visit.entity';
import { isOpenVisit, queuedVisitStatuses } from '../visits/visit-statuses';
import { mergeLines, queueLine, type QueueLine } from '../../../workflows/queue-order';

export const displayUpdated = 'display.updated.v1';
export const statusUpdated = 'status.updated.v1';

/** How many recent calls and upcoming tickets a waiting-room screen shows. */
const nowCallingShown = 4;
const nextShown = 8;

/**
 * What a waiting-room screen may show, field by field: ticket, room, doctor's display name,
 * position and estimated wait; initials only when the display's profile allows and the patient
 * has not asked to be hidden. Nothing else about a patient ever enters these payloads.
 */
export interface DisplayBoard {
  display: { name: string; language: string; privacy: Display['privacy'] };
  nowCalling: { ticket: string; room: string; doctor: string; calledAt: string; initials?: string }[];
  next: { ticket: string; doctor: string; room: string; position: number; estimatedWaitMinutes: Range | null; initials?: string }[];
  doctors: { doctor: string; room: string; waiting: number; estimatedWaitMinutes: Range | null }[];
  generatedAt: string;
}

/** A patient's own status page: their ticket and place, no one else's. */
export interface VisitStatus {
  clinicName: string;
  ticket: string;
  room: string;
  doctor: string;
  status: string;
  position: number | null;
  estimatedWaitMinutes: Range | null;
  calledAt: string | null;
  quotedWaitMinutes: number | null;
}

interface QueueView {
  professionals: ProfessionalProfile[];
  /** Per professional: who is called and who waits, by the queue rule every screen shows. */
  queues: Map<string, QueueLine<Visit>>;
  estimates: Map<string, WaitEstimate>;
  initials: Map<string, string | undefined>;
}

const isQueued = (status: string) => (queuedVisitStatuses as readonly string[]).includes(status);

/**
 * Whether a wait quote has something to stand on. Consultations closed the moment they were opened
 * (a doctor clicking through, records entered after the fact) average under a minute, and the quote
 * they give, about zero for everyone in line, would tell a waiting room "0 min": the public screens
 * get no estimate instead, and show "—".
 */
const hasBasis = (estimate: WaitEstimate) => estimate.basis.meanMinutes >= 1;

const initialsOf = (fullName: string) =>
  fullName
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => `${part[0]!.toUpperCase()}.`)
    .slice(0, 3)
    .join(' ');

async function queueView(em: EntityManager, professionalIds: string[] | null, withInitials: boolean): Promise<QueueView> {
  const professionals = await em.find(ProfessionalProfileSchema, professionalIds ? { id: { $in: professionalIds }, active: true } : { active: true }, { orderBy: { displayName: 'asc' } });
  const ids = professionals.map((p) => p.id);
  const visits = await em.find(VisitSchema, { professionalId: { $in: ids }, status: { $in: [...queuedVisitStatuses] } });
  const queues = new Map(ids.map((id) => [id, queueLine(visits.filter((v) => v.professionalId === id))]));
  const estimates = new Map((await em.find(WaitEstimateSchema, { professionalId: { $in: ids } })).filter(hasBasis).map((e) => [e.professionalId, e]));
  const initials = new Map<string, string | undefined>();
  if (withInitials && visits.length) {
    const patients = await em.find(PatientSchema, { id: { $in: visits.map((v) => v.patientId) } });
    for (const patient of patients) initials.set(patient.id, patient.hideOnPublicScreens ? undefined : initialsOf(patient.fullName));
  }
  return { professionals, queues, estimates, initials };
}

/** The board of one display, built from the queues of the professionals it lists. */
export async function displayBoard(em: EntityManager, display: Display): Promise<DisplayBoard> {
  const withInitials = display.privacy === 'ticket_initials';
  const view = await queueView(em, display.professionalIds.length ? display.professionalIds : null, withInitials);
  const byId = new Map(view.professionals.map((p) => [p.id, p]));
  const recentCalls = await em.find(
    VisitSchema,
    // A ticket that did not come, or was cancelled after its call, is no longer being called.
    { professionalId: { $in: [...byId.keys()] }, calledAt: { $ne: null, $gte: new Date(Date.now() - 12 * 3600_000) }, status: { $nin: ['no_show', 'cancelled', 'expired'] } },
    { orderBy: { calledAt: 'desc' }, limit: nowCallingShown },
  );
  const initials = (visit: Visit) => (withInitials ? view.initials.get(visit.patientId) : undefined);
  const lines = view.professionals.map((professional) => view.queues.get(professional.id)!.waiting);
  const positions = new Map(lines.flatMap((waiting) => waiting.map((visit, index) => [visit.id, index + 1] as const)));
  const next = mergeLines(lines)
    .slice(0, nextShown)
    .map((visit) => {
      const professional = byId.get(visit.professionalId)!;
      return {
        ticket: visit.ticketNumber,
        doctor: professional.displayName,
        room: professional.room,
        position: positions.get(visit.id)!,
        // A patient checked in a moment ago has no estimate yet: no wait is shown rather than a guess.
        estimatedWaitMinutes: view.estimates.get(professional.id)?.byVisit[visit.id] ?? null,
        ...(initials(visit) ? { initials: initials(visit) } : {}),
      };
    });
  return {
    display: { name: display.name, language: display.language, privacy: display.privacy },
    nowCalling: recentCalls.map((visit) => {
      const professional = byId.get(visit.professionalId)!;
      return { ticket: visit.ticketNumber, room: professional.room, doctor: professional.displayName, calledAt: visit.calledAt!.toISOString(), ...(initials(visit) ? { initials: initials(visit) } : {}) };
    }),
    next,
    doctors: view.professionals.map((professional) => ({
      doctor: professional.displayName,
      room: professional.room,
      waiting: view.queues.get(professional.id)!.waiting.length,
      estimatedWaitMinutes: view.estimates.get(professional.id)?.newArrival ?? null,
    })),
    generatedAt: new Date().toISOString(),
  };
}

/** One patient's status page. Out of the queue it has no place to compute, so the queue is not read. */
export async function visitStatus(em: EntityManager, visit: Visit): Promise<VisitStatus> {
  const org = await em.findOneOrFail(OrgSchema, { id: visit.orgId });
  if (isQueued(visit.status)) return statusIn(await queueView(em, [visit.professionalId], false), org.name, visit);
  const professional = await em.findOne(ProfessionalProfileSchema, { id: visit.professionalId });
  const professionals = professional?.active ? [professional] : [];
  return statusIn({ professionals, queues: new Map(), estimates: new Map(), initials: new Map() }, org.name, visit);
}

function statusIn(view: QueueView, clinicName: string, visit: Visit): VisitStatus {
  const professional = view.professionals.find((p) => p.id === visit.professionalId);
  const index = view.queues.get(visit.professionalId)?.waiting.findIndex((v) => v.id === visit.id) ?? -1;
  const position = index >= 0 ? index + 1 : null;
  return {
    clinicName,
    ticket: visit.ticketNumber,
    room: professional?.room ?? '',
    doctor: professional?.displayName ?? '',
    status: visit.status,
    position,
    estimatedWaitMinutes: position !== null ? (view.estimates.get(visit.professionalId)?.byVisit[visit.id] ?? null) : null,
    calledAt: visit.calledAt?.toISOString() ?? null,
    quotedWaitMinutes: visit.quotedWaitMinutes ?? null,
  };
}

/**
 * Orders an org's public-screen writers: refreshes take it exclusively, one at a time, so the last
 * board a display gets is read after every change before it (a display may list several queues);
 * a transition writing a status page in its own transaction takes it shared (see announceVisitStatus).
 */
export const screensLock = 0x0c05_5c5e;

async function lockScreens(em: EntityManager, orgId: string, mode: 'exclusive' | 'shared'): Promise<void> {
  const lock = mode === 'exclusive' ? 'pg_advisory_xact_lock' : 'pg_advisory_xact_lock_shared';
  await em.getConnection().execute(`select ${lock}(?, hashtext(?))`, [screensLock, orgId], 'all', em.getTransactionContext());
}

/**
 * Fresh boards for every display that shows a professional's queue, and fresh status pages for
 * everyone in it, read after the changes that made them stale (a call, a check-in, a new wait
 * quote). Run by the public-screens job, off the request that changed the queue. Returns how many
 * screen events it wrote.
 */
export async function refreshPublicScreens(em: EntityManager, orgId: string, professionalId: string): Promise<number> {
  return em.transactional(async (tx) => {
    await lockScreens(tx, orgId, 'exclusive');
    let written = 0;
    const displays = await tx.find(DisplaySchema, { active: true });
    for (const display of displays) {
      if (display.professionalIds.length && !display.professionalIds.includes(professionalId)) continue;
      emitScreenEvent(tx, { orgId, type: displayUpdated, rooms: [rooms.display(display.id)], payload: { ...(await displayBoard(tx, display)) } });
      written++;
    }
    const view = await queueView(tx, [professionalId], false);
    const line = view.queues.get(professionalId);
    const inQueue = line ? [...line.called, ...line.waiting] : [];
    if (inQueue.length) {
      const org = await tx.findOneOrFail(OrgSchema, { id: orgId });
      for (const visit of inQueue) {
        emitScreenEvent(tx, { orgId, type: statusUpdated, rooms: [rooms.visitStatus(visit.id)], payload: { ...statusIn(view, org.name, visit) } });
        written++;
      }
    }
    return written;
  });
}

/**
 * A fresh status page for one visit that is not in a queue (in consultation, printed, dispensed,
 * closed...), written in the transaction that moved it. A refresh that read it while it was still
 * queued must not publish after it: the shared lock waits for a refresh in flight to commit first,
 * and a refresh starting later waits for this transaction, then no longer finds the visit queued.
 */
export async function announceVisitStatus(em: EntityManager, visit: Visit): Promise<void> {
  await em.flush();
  await lockScreens(em, visit.orgId, 'shared');
  emitScreenEvent(em, { orgId: visit.orgId, type: statusUpdated, rooms: [rooms.visitStatus(visit.id)], payload: { ...(await visitStatus(em, visit)) } });
}

/** The open, unexpired visit a status-page token belongs to (the token is the page's only credential). */
export async function visitForStatusToken(em: EntityManager, token: string): Promise<Visit | null> {
  if (token.length < 20 || token.length > 100) return null;
  const visit = await em.findOne(VisitSchema, { statusToken: token }, { filters: { tenant: false } });
  if (!visit || !isOpenVisit(visit.status) || visit.expiresAt <= new Date()) return null;
  return (await em.count(OrgSchema, { id: visit.orgId, active: true })) ? visit : null;
}
