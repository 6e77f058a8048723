import type { EntityManager, QBFilterQuery } from '@mikro-orm/postgresql';
import { LRUCache } from 'lru-cache';
import { caseStatuses, type CaseStatus } from '../../../workflows/case.machine';
import type { Caller, Scope } from '../../shared/scope';
import { rooms } from '../realtime/rooms';
import { LabCaseSchema, type LabCase } from './lab-case.entity';
import { addDays, filterWhere, localToday, visibleTo, type CaseFilter } from './lab-cases.service';
import { stateValue } from './case-state';

export type DueRisk = 'overdue' | 'due_today' | 'due_48h';

/** How close an open case is to its due date; a completed case is no longer at risk. */
export function dueRisk(labCase: Pick<LabCase, 'dueDate' | 'status'>, today: string): DueRisk | null {
  if (labCase.status === 'completed') return null;
  if (labCase.dueDate < today) return 'overdue';
  if (labCase.dueDate === today) return 'due_today';
  if (labCase.dueDate <= addDays(today, 2)) return 'due_48h';
  return null;
}

/** What a card shows and what a drag needs (state and version): the columns the board reads, no notes. */
const cardFields = [
  'id', 'caseNumber', 'patientName', 'dentistName', 'dentistUserId', 'material', 'caseType', 'toothNumbers', 'shade', 'dueDate',
  'status', 'deliveryStatus', 'approvalStatus', 'assignedDesignerId', 'isOutsourced', 'outsourcedTo', 'redoCount', 'version',
] as const;
type CardRow = Pick<LabCase, (typeof cardFields)[number]>;

function cardView(row: CardRow, today: string) {
  return {
    id: row.id,
    caseNumber: row.caseNumber,
    patientName: row.patientName,
    dentistName: row.dentistName ?? null,
    dentistUserId: row.dentistUserId ?? null,
    material: row.material,
    caseType: row.caseType,
    toothNumbers: row.toothNumbers,
    shade: row.shade,
    dueDate: row.dueDate,
    status: row.status,
    state: stateValue(row),
    deliveryStatus: row.deliveryStatus,
    approvalStatus: row.approvalStatus,
    assignedDesignerId: row.assignedDesignerId ?? null,
    isOutsourced: row.isOutsourced,
    outsourcedTo: row.outsourcedTo ?? null,
    redoCount: row.redoCount,
    version: row.version,
    risk: dueRisk(row, today),
  };
}

export type BoardQuery = CaseFilter & { limit: number };

export interface Board {
  today: string;
  columns: { status: CaseStatus; label: string; count: number; cards: ReturnType<typeof cardView>[] }[];
}

/**
 * A board as it is answered: the object the live topic sends, and the same board as the UTF-8
 * JSON the HTTP route sends, encoded once rather than on every response.
 */
export interface BoardAnswer {
  board: Board;
  json: Buffer;
}

/** The room whose events change the caller's board: a dentist's own cases, or the whole lab. */
export function boardRoom(caller: Caller): string {
  return caller.role === 'dentist' ? rooms.dentistCases(caller.orgId, caller.userId) : rooms.labBoard(caller.orgId);
}

interface BoardReading {
  em: EntityManager;
  caller: Caller;
  query: BoardQuery;
  today: string;
}

/**
 * Boards already built, keyed by everything they depend on, their version included: a board is
 * never changed in place, a change makes a new key and the superseded boards age out. `fetch`
 * makes concurrent requests for one key await a single reading.
 */
const boards = new LRUCache<string, BoardAnswer, BoardReading>({
  // JSON bytes, doubled for the board object kept beside its JSON (measured: about as large):
  // about 120 boards of the default 100 cards per column.
  maxSize: 64 * 1024 * 1024,
  sizeCalculation: (answer) => answer.json.length * 2,
  // A reading evicted or superseded while it runs still answers the requests awaiting it.
  ignoreFetchAbort: true,
  fetchMethod: (_key, _stale, { context }) => readBoard(context),
});

/**
 * What a cached board is valid for, read in one statement so both parts come from one snapshot.
 * The room's sequence moves when the outbox dispatcher publishes a change, but a change commits
 * before it is published: the count of the room's committed, unpublished events moves at the
 * commit itself, so a client refetching right after its own change (through any server process)
 * never gets the board from before it. While the sequence stays put that set only grows
 * (publishing takes events out of it and moves the sequence in one transaction), so its size
 * names it; the newest event id would not, as ids are taken before commit and commit out of order.
 */
async function boardVersion(em: EntityManager, caller: Caller): Promise<string> {
  const room = boardRoom(caller);
  const [version] = await em.getConnection().execute<{ seq: string | null; pending: string }[]>(
    `select (select seq from room_sequences where room = ?) as seq,
            (select count(*) from outbox_events where published_at is null and org_id = ? and rooms @> array[?]::text[]) as pending`,
    [room, caller.orgId, room],
    'all',
    em.getTransactionContext(),
  );
  return `${version!.seq ?? 0}+${version!.pending}`;
}

/**
 * The kanban board: one column per status in the workflow's order, each with its count and its
 * first `limit` cards by due date, every card marked with its due-date risk as of today. Answered
 * from the cache while the board's room has had no change since it was read; a board read inside
 * a snapshot transaction is as new as that snapshot or newer, never older.
 */
export async function caseBoard({ em, caller }: Scope, query: BoardQuery): Promise<BoardAnswer> {
  const today = localToday(caller.timeZone);
  const filter = [query.status, query.designerId, query.material, query.caseType, query.dentist, query.dueBefore, query.dueAfter, query.overdue, query.limit];
  const key = [caller.orgId, JSON.stringify(visibleTo(caller)), today, JSON.stringify(filter), await boardVersion(em, caller)].join('|');
  return boards.forceFetch(key, { context: { em, caller, query, today } });
}

/**
 * Reads the board in two statements whatever the number of columns: the counts grouped by status,
 * then each column's first cards through a lateral join, so every column is its own short walk of
 * the (org, status, due date, id) index instead of a numbering of the lab's every case.
 */
async function readBoard({ em, caller, query, today }: BoardReading): Promise<BoardAnswer> {
  // Raw SQL escapes the tenant filter: the org is named here, not left to it.
  const where = { $and: [{ orgId: caller.orgId }, filterWhere(caller, query, today)] } as QBFilterQuery<LabCase>;
  const visible = em.createQueryBuilder(LabCaseSchema, 'c').select([...cardFields]).where(where);
  const { sql: visibleSql, params: visibleParams } = visible.toQuery();
  const connection = em.getConnection();
  const context = em.getTransactionContext();

  const counted = await connection.execute<{ status: CaseStatus; count: number }[]>(
    `select v.status, count(*)::int as count from (${visibleSql}) as v group by v.status`,
    [...visibleParams],
    'all',
    context,
  );
  const counts = new Map(counted.map((row) => [row.status, row.count]));
  const nonEmpty = caseStatuses.map((c) => c.status).filter((status) => counts.get(status));
  const rows = nonEmpty.length
    ? await connection.execute<Record<string, unknown>[]>(
        `select card.* from unnest(array[${nonEmpty.map(() => '?').join(', ')}]::text[]) with ordinality as s(status, position)
         cross join lateral (select * from (${visibleSql}) as v where v.status = s.status order by v.due_date, v.id limit ?) as card
         order by s.position, card.due_date, card.id`,
        [...nonEmpty, ...visibleParams, query.limit],
        'all',
        context,
      )
    : [];
  const cards = new Map<string, ReturnType<typeof cardView>[]>(nonEmpty.map((status) => [status, []]));
  const comparator = em.getComparator();
  const meta = em.getMetadata(LabCaseSchema);
  for (const row of rows) {
    const card = comparator.mapResult(meta, row) as CardRow;
    cards.get(card.status)!.push(cardView(card, today));
  }
  const board: Board = {
    today,
    columns: caseStatuses.map(({ status, label }) => ({
      status,
      label,
      count: counts.get(status) ?? 0,
      cards: cards.get(status) ?? [],
    })),
  };
  return { board, json: Buffer.from(JSON.stringify(board)) };
}
