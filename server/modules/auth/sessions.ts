import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { endSockets } from '../realtime/outbox';
import { socketRooms } from '../realtime/rooms';
import { RefreshTokenSchema } from './refresh-token.entity';
import { UserSchema } from './user.entity';

/** Why a user's sessions ended; kept with the disconnection in the outbox. */
export type SessionEndReason = 'deactivated' | 'role_changed' | 'removed' | 'password_changed' | 'password_reset';

/**
 * Ends every session of a user, everywhere, as part of the change that ends their access.
 *
 * - Call it inside that change's transaction (`em` must be in one: it locks the user's row, so
 *   concurrent ends, logins and refreshes are ordered).
 * - Every refresh-token family of the user is revoked and their session version moves on: every
 *   access token and refresh token issued before answers 401 from the commit on, in every process
 *   (the access check compares the token's `ver` with the user's version).
 * - After the commit, never on rollback, every socket of the user in every server process is
 *   disconnected; a reconnection with an old access token is refused at the handshake.
 * - A session issued later in the same transaction (the device that changed its own password)
 *   carries the new version and stays valid.
 */
export async function endUserSessions(em: EntityManager, userId: string, reason: SessionEndReason): Promise<void> {
  // The caller's pending changes first, so the locked re-read below cannot overwrite them.
  await em.flush();
  const user = await em.findOneOrFail(UserSchema, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  // Through the entity, not an UPDATE statement: the membership cache forgets at once on ORM writes.
  user.sessionVersion += 1;
  await em.flush();
  await em.nativeUpdate(RefreshTokenSchema, { userId, revokedAt: null }, { revokedAt: new Date() });
  endSockets(em, { orgId: null, rooms: [socketRooms.user(userId)], reason });
}
