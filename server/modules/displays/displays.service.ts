import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { assignChanged } from '../../shared/assign-changed';
import { NotFoundError, ValidationError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { endSockets } from '../realtime/outbox';
import { socketRooms } from '../realtime/rooms';
import { OrgSchema } from '../orgs/org.entity';
import { professionalsById } from '../professionals/professionals.service';
import { DisplaySchema, type Display } from './display.entity';
import type { DisplayChangesBody, NewDisplayBody } from './displays.schemas';

export type NewDisplay = Static<typeof NewDisplayBody>;
export type DisplayChanges = Static<typeof DisplayChangesBody>;

/** Only this hash is stored: a database leak does not put screens in anyone's hands. */
export const displayTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
/** A display's token: its only credential, in the address the screen opens (/display/<token>). */
export const newDisplayToken = () => `dsp_${randomBytes(32).toString('base64url')}`;

/** Creates a display and returns its token: shown once, stored only as a hash. */
export async function createDisplay({ em, caller }: Scope, input: NewDisplay) {
  return em.transactional(async (tx) => {
    await assertOwnProfessionals(tx, input.professionalIds);
    const token = newDisplayToken();
    const display = tx.create(DisplaySchema, {
      orgId: caller.orgId,
      name: input.name.trim(),
      professionalIds: input.professionalIds ?? [],
      privacy: input.privacy ?? 'ticket',
      language: input.language ?? 'en-GB',
      tokenHash: displayTokenHash(token),
      tokenIssuedAt: new Date(),
    });
    recordAudit(tx, caller, { action: 'display.create', entityType: 'Display', entityId: display.id, changedFields: ['name', 'professionalIds', 'privacy', 'language'] });
    await tx.flush();
    return { ...displayView(display), token };
  });
}

export async function listDisplays({ em }: Scope) {
  return (await em.find(DisplaySchema, {}, { orderBy: { createdAt: 'asc' } })).map(displayView);
}

/** Changes what a display shows and whether it is on; its org, token and history are not a body's to set. */
export async function updateDisplay({ em, caller }: Scope, displayId: string, changes: DisplayChanges) {
  const { name, professionalIds, privacy, language, active } = changes;
  return em.transactional(async (tx) => {
    const display = await findDisplay(tx, displayId);
    await assertOwnProfessionals(tx, professionalIds);
    const changed = assignChanged(display, { name: name?.trim(), professionalIds, privacy, language, active });
    if (changed.length) recordAudit(tx, caller, { action: 'display.update', entityType: 'Display', entityId: display.id, changedFields: changed });
    if (changed.includes('active') && !display.active) endSockets(tx, { orgId: display.orgId, rooms: [socketRooms.display(display.id)], reason: 'display.turnedOff' });
    await tx.flush();
    return displayView(display);
  });
}

/** Issues a new token; the old one stops working at once, and every socket that used it is disconnected after the commit. */
export async function rotateDisplayToken({ em, caller }: Scope, displayId: string) {
  return em.transactional(async (tx) => {
    const display = await findDisplay(tx, displayId);
    const token = newDisplayToken();
    display.tokenHash = displayTokenHash(token);
    display.tokenIssuedAt = new Date();
    recordAudit(tx, caller, { action: 'display.rotateToken', entityType: 'Display', entityId: display.id, changedFields: ['token'] });
    endSockets(tx, { orgId: display.orgId, rooms: [socketRooms.display(display.id)], reason: 'display.tokenRotated' });
    await tx.flush();
    return { ...displayView(display), token };
  });
}

/** The active display a token belongs to, across orgs (the token is the only credential a screen has). */
export async function displayForToken(em: EntityManager, token: string): Promise<Display | null> {
  if (!token.startsWith('dsp_') || token.length > 100) return null;
  const display = await em.findOne(DisplaySchema, { tokenHash: displayTokenHash(token), active: true }, { filters: { tenant: false } });
  // A clinic the platform turned off shows nothing, not even on its waiting-room screens.
  return display && (await em.count(OrgSchema, { id: display.orgId, active: true })) ? display : null;
}

/** A display shows this clinic's queues only: an id of another clinic's professional, or of none, is a 400 naming it. */
async function assertOwnProfessionals(em: EntityManager, professionalIds: string[] | undefined): Promise<void> {
  if (!professionalIds?.length) return;
  const own = await professionalsById(em, professionalIds);
  const problems = professionalIds.flatMap((id, i) => (own.has(id) ? [] : [{ field: `professionalIds.${i}`, message: 'is not a professional of this clinic' }]));
  if (problems.length) throw new ValidationError(problems);
}

async function findDisplay(em: EntityManager, displayId: string): Promise<Display> {
  const display = await em.findOne(DisplaySchema, { id: displayId });
  if (!display) throw new NotFoundError('Display');
  return display;
}

export function displayView(display: Display) {
  return {
    id: display.id,
    name: display.name,
    professionalIds: display.professionalIds,
    privacy: display.privacy,
    language: display.language,
    active: display.active,
    tokenIssuedAt: display.tokenIssuedAt.toISOString(),
  };
}
