import type { EntityManager } from '@mikro-orm/postgresql';
import type { Static } from 'typebox';
import { assignChanged } from '../../shared/assign-changed';
import { ConflictError, invalid, NotFoundError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { MembershipSchema } from '../auth/membership.entity';
import { UserSchema } from '../auth/user.entity';
import { ProfessionalProfileSchema, type ProfessionalProfile } from './professional-profile.entity';
import type { NewProfessionalBody, ProfessionalChangesBody } from './professionals.schemas';

export type NewProfessional = Static<typeof NewProfessionalBody>;

/** Publishes a doctor member as a bookable professional; the membership must be an active doctor of this clinic. */
export async function createProfessional({ em, caller }: Scope, input: NewProfessional) {
  return em.transactional(async (tx) => {
    const membership = await tx.findOne(MembershipSchema, { id: input.membershipId });
    if (!membership) throw invalid('membershipId', 'is not a member of this clinic');
    if (membership.role !== 'doctor' || !membership.active) throw invalid('membershipId', 'must be an active doctor of this clinic');
    if (await tx.findOne(ProfessionalProfileSchema, { membershipId: membership.id })) {
      throw new ConflictError('already_registered', 'This doctor already has a professional profile');
    }
    const user = await tx.findOneOrFail(UserSchema, { id: membership.userId });
    const profile = tx.create(ProfessionalProfileSchema, {
      orgId: caller.orgId,
      membershipId: membership.id,
      userId: membership.userId,
      displayName: input.displayName?.trim() || user.name,
      specialty: input.specialty.trim(),
      councilNumber: input.councilNumber.trim().toUpperCase(),
      room: input.room.trim(),
      ticketPrefix: input.ticketPrefix.toUpperCase(),
    });
    recordAudit(tx, caller, {
      action: 'professional.create',
      entityType: 'ProfessionalProfile',
      entityId: profile.id,
      changedFields: ['membershipId', 'displayName', 'specialty', 'councilNumber', 'room', 'ticketPrefix'],
    });
    await tx.flush();
    return publicProfessional(profile);
  });
}

export type ProfessionalChanges = Static<typeof ProfessionalChangesBody>;

export async function updateProfessional({ em, caller }: Scope, professionalId: string, changes: ProfessionalChanges) {
  return em.transactional(async (tx) => {
    const profile = await requireProfessional(tx, professionalId);
    const changed = assignChanged(profile, {
      specialty: changes.specialty?.trim(),
      councilNumber: changes.councilNumber?.trim().toUpperCase(),
      room: changes.room?.trim(),
      ticketPrefix: changes.ticketPrefix?.toUpperCase(),
      displayName: changes.displayName?.trim(),
      active: changes.active,
    });
    if (changed.length) recordAudit(tx, caller, { action: 'professional.update', entityType: 'ProfessionalProfile', entityId: profile.id, changedFields: changed });
    await tx.flush();
    return publicProfessional(profile);
  });
}

export async function listProfessionals({ em }: Scope, filter: { active?: boolean } = {}) {
  const where = filter.active === undefined ? {} : { active: filter.active };
  const profiles = await em.find(ProfessionalProfileSchema, where, { orderBy: { displayName: 'asc' } });
  return profiles.map(publicProfessional);
}

/** Active professionals of one specialty, matched without regard to case ('orthodontics' finds 'Orthodontics'). */
export async function professionalsBySpecialty({ em }: Scope, specialty: string) {
  const profiles = await em.find(
    ProfessionalProfileSchema,
    { active: true, specialty: { $ilike: specialty.trim().replace(/[\\%_]/g, (c) => `\\${c}`) } },
    { orderBy: { displayName: 'asc' } },
  );
  return profiles.map(publicProfessional);
}

/** The professional, or 404 (another clinic's profile included: the tenant filter hides it). */
export async function requireProfessional(em: EntityManager, professionalId: string): Promise<ProfessionalProfile> {
  const profile = await em.findOne(ProfessionalProfileSchema, { id: professionalId });
  if (!profile) throw new NotFoundError('Professional');
  return profile;
}

/** A bookable professional: exists and is active. */
export async function requireActiveProfessional(em: EntityManager, professionalId: string): Promise<ProfessionalProfile> {
  const profile = await requireProfessional(em, professionalId);
  if (!profile.active) throw new ConflictError('professional_inactive', `${profile.displayName} is not taking patients`);
  return profile;
}

/** The calling doctor's own profile in this clinic, or null when they have none yet. */
export async function professionalOfUser(em: EntityManager, userId: string): Promise<ProfessionalProfile | null> {
  return em.findOne(ProfessionalProfileSchema, { userId });
}

/** The professionals the reception's queue board shows: the active ones, and any other that still has `busyIds`' patients. */
export async function professionalsForQueue(em: EntityManager, busyIds: string[]): Promise<ProfessionalProfile[]> {
  return em.find(ProfessionalProfileSchema, { $or: [{ active: true }, { id: { $in: busyIds } }] }, { orderBy: { displayName: 'asc' } });
}

/** Profiles by id, for naming professionals in lists. */
export async function professionalsById(em: EntityManager, ids: string[]): Promise<Map<string, ProfessionalProfile>> {
  const unique = [...new Set(ids)];
  if (!unique.length) return new Map();
  const profiles = await em.find(ProfessionalProfileSchema, { id: { $in: unique } });
  return new Map(profiles.map((p) => [p.id, p]));
}

export function publicProfessional(profile: ProfessionalProfile) {
  return {
    id: profile.id,
    membershipId: profile.membershipId,
    userId: profile.userId,
    displayName: profile.displayName,
    specialty: profile.specialty,
    councilNumber: profile.councilNumber,
    room: profile.room,
    ticketPrefix: profile.ticketPrefix,
    active: profile.active,
  };
}
