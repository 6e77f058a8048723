import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { assignChanged } from '../../shared/assign-changed';
import { NotFoundError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { DisplaySchema, type Display, type DisplayPrivacy } from './display.entity';

export interface DisplayInput {
  name: string;
  professionalIds?: string[];
  privacy?: DisplayPrivacy;
  language?: string;
}

/** Only this hash is stored: a database leak does not put screens in anyone's hands. */
export const displayTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
const newToken = () => `dsp_${randomBytes(32).toString('base64url')}`;

/** Creates a display and returns its token: shown once, stored only as a hash. */
export async function createDisplay({ em, caller }: Scope, input: DisplayInput) {
  return em.transactional(async (tx) => {
    const token = newToken();
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

export async function updateDisplay({ em, caller }: Scope, displayId: string, changes: Partial<DisplayInput> & { active?: boolean }) {
  return em.transactional(async (tx) => {
    const display = await findDisplay(tx, displayId);
    const changed = assignChanged(display, changes);
    if (changed.length) recordAudit(tx, caller, { action: 'display.update', entityType: 'Display', entityId: display.id, changedFields: changed });
    await tx.flush();
    return displayView(display);
  });
}

/** Issues a new token; the old one stops working at once (the caller disconnects the screen). */
export async function rotateDisplayToken({ em, caller }: Scope, displayId: string) {
  return em.transactional(async (tx) => {
    const display = await findDisplay(tx, displayId);
    const token = newToken();
    display.tokenHash = displayTokenHash(token);
    display.tokenIssuedAt = new Date();
    recordAudit(tx, caller, { action: 'display.rotateToken', entityType: 'Display', entityId: display.id, changedFields: ['token'] });
    await tx.flush();
    return { ...displayView(display), token };
  });
}

/** The active display a token belongs to, across orgs (the token is the only credential a screen has). */
export async function displayForToken(em: EntityManager, token: string): Promise<Display | null> {
  if (!token.startsWith('dsp_') || token.length > 100) return null;
  return em.findOne(DisplaySchema, { tokenHash: displayTokenHash(token), active: true }, { filters: { tenant: false } });
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
