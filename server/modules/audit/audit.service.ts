import type { EntityManager } from '@mikro-orm/postgresql';
import { invalid } from '../../shared/errors';
import type { Caller, Scope } from '../../shared/scope';
import { AuditEventSchema } from './audit-event.entity';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId: string | null;
  changedFields?: string[];
  /** Defaults to the caller's org; set for platform actions such as creating an org. */
  orgId?: string | null;
}

/**
 * Queues an audit row in the caller's unit of work, so it commits or rolls back with the change
 * it describes.
 */
export function recordAudit(em: EntityManager, caller: Caller | null, entry: AuditEntry): void {
  em.create(AuditEventSchema, {
    orgId: entry.orgId === undefined ? (caller?.orgId ?? null) : entry.orgId,
    actorUserId: caller?.userId ?? null,
    actorRole: caller?.role ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    changedFields: entry.changedFields ?? [],
    requestId: caller?.requestId ?? null,
    ip: caller?.ip ?? null,
  });
}

export interface AuditQuery {
  action?: string;
  entityType?: string;
  entityId?: string;
  actorUserId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** Newest first, keyset-paginated on (at, id) so paging stays fast on a long trail. */
export async function listAudit({ em }: Scope, query: AuditQuery) {
  const where: Record<string, unknown> = {};
  for (const key of ['action', 'entityType', 'entityId', 'actorUserId'] as const) {
    if (query[key]) where[key] = query[key];
  }
  const at: Record<string, Date> = {};
  if (query.from) at.$gte = new Date(query.from);
  if (query.to) at.$lte = new Date(query.to);
  if (Object.keys(at).length) where.at = at;
  if (query.cursor) {
    const [cursorAt, cursorId] = decodeCursor(query.cursor);
    where.$or = [{ at: { $lt: cursorAt } }, { at: cursorAt, id: { $lt: cursorId } }];
  }
  const rows = await em.find(AuditEventSchema, where, { orderBy: [{ at: 'desc' }, { id: 'desc' }], limit: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => ({ ...row, at: row.at.toISOString() })),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.at, last.id) : null,
  };
}

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): [Date, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime())) throw invalid('query.cursor', 'is not a cursor this API gave');
  return [date, id];
}
