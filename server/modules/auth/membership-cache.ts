import { LRUCache } from 'lru-cache';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { FastifyBaseLogger } from 'fastify';
import { userAccess, type UserAccess } from './memberships';
import { MembershipSchema } from './membership.entity';
import { UserSchema } from './user.entity';
import { OrgSchema } from '../orgs/org.entity';
import { notifyChannels, type DatabaseNotifications } from '../../db/notifications';

/**
 * Remembers the answers of the per-request access check (`userAccess`), which was one of a
 * board's two statements and one of a transition's four. It may only answer from memory while it
 * hears every change: a trigger on memberships, users and orgs NOTIFYs `cuspid_access` at each
 * commit (migration 0008) and every process drops all it remembers; this process's own writes
 * through the ORM drop it at once, before their commit. An answer read while a change came in is
 * not kept (the generation moved), and while the NOTIFYs go unheard (a lost LISTEN connection)
 * nothing is remembered or answered from memory. Without notifications it always asks the database.
 */
export class MembershipCache {
  private readonly answers = new LRUCache<string, UserAccess>({ max: 50_000, ttl: 60_000 });
  private generation = 0;
  private listening = false;
  private stopped = false;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly notifications: DatabaseNotifications | null,
    private readonly logger: FastifyBaseLogger,
  ) {}

  async start(orm: MikroORM): Promise<void> {
    const forget = () => this.forget();
    orm.em.getEventManager().registerSubscriber({
      getSubscribedEntities: () => [MembershipSchema, UserSchema, OrgSchema],
      afterCreate: forget,
      afterUpdate: forget,
      afterUpsert: forget,
      afterDelete: forget,
    });
    this.unlisten =
      (await this.notifications?.listen(notifyChannels.access, {
        notified: forget,
        listening: () => {
          // Changes made before LISTEN took effect were not heard: start from nothing.
          this.forget();
          this.listening = !this.stopped;
        },
        lost: (err) => {
          this.listening = false;
          this.forget();
          this.logger.warn({ err }, 'access changes unheard (LISTEN lost): every request is checked against the database until it is back');
        },
      })) ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.listening = false;
    await this.unlisten?.();
  }

  /** The caller's session version and active memberships (in one org when `orgId` is given), from memory when it can be trusted. */
  async lookup(em: EntityManager, userId: string, orgId?: string): Promise<UserAccess | null> {
    if (!this.listening) return userAccess(em, userId, orgId);
    const key = `${userId}/${orgId ?? ''}`;
    const known = this.answers.get(key);
    if (known) return known;
    const generation = this.generation;
    const answer = await userAccess(em, userId, orgId);
    if (answer && this.listening && generation === this.generation) this.answers.set(key, answer);
    return answer;
  }

  private forget(): void {
    this.generation++;
    this.answers.clear();
  }
}
