import type { Board, BoardColumn, Card, CaseChangedV1 } from '../../lib/api';
import { caseStatuses, dueRisk, localDay, type CaseStatus } from './case-rules';

/** Fields a card shows that a `case.updated.v1` event does not carry: their change needs a refetch. */
const notOnEvent = ['patientName', 'dentistName', 'material', 'caseType', 'toothNumbers', 'shade', 'outsourcedTo', 'caseNumber'];

const byDue = (a: Card, b: Card) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

interface PendingMove {
  /** The card as the server last said it was: what a refused move returns to. */
  base: Card;
}

/**
 * The board's cards by column, as runes. Live events move and patch cards in place; an optimistic
 * move shows the card in its new column at once and remembers where it came from, so a refusal
 * puts it back exactly where the server (possibly changed meanwhile by someone else) has it.
 */
export class BoardState {
  columns = $state<BoardColumn[]>(caseStatuses.map(({ status, label }) => ({ status, label, count: 0, cards: [] })));
  today = $state(localDay());
  loaded = $state(false);
  /** Ids of cards waiting for the server's answer to a move. */
  pendingIds = $state<string[]>([]);
  private pending = new Map<string, PendingMove>();
  /** Where each pending card is shown meanwhile. */
  private optimistic = new Map<string, Card>();

  /** Materials and case types seen on the unfiltered board, for the filter menus. */
  materials = $state<string[]>([]);
  caseTypes = $state<string[]>([]);

  replace(board: Board, { learn = true } = {}): void {
    this.today = board.today;
    const columns = board.columns.map((column) => ({ ...column, cards: [...column.cards] }));
    // A move still in flight keeps its optimistic place; what the server says becomes its base.
    for (const [id, move] of this.pending) {
      for (const column of columns) {
        const index = column.cards.findIndex((c) => c.id === id);
        if (index < 0) continue;
        const [serverCard] = column.cards.splice(index, 1);
        column.count -= 1;
        move.base = serverCard!;
      }
    }
    this.columns = columns;
    for (const [id] of this.pending) {
      const optimistic = this.optimistic.get(id);
      if (optimistic) this.place(optimistic);
    }
    this.loaded = true;
    if (learn) this.learn(board.columns.flatMap((c) => c.cards));
  }

  /** Where a card is now, or null. */
  find(caseId: string): Card | null {
    for (const column of this.columns) {
      const card = column.cards.find((c) => c.id === caseId);
      if (card) return card;
    }
    return null;
  }

  isPending(caseId: string): boolean {
    return this.pendingIds.includes(caseId);
  }

  /** Puts a card in its status column (taking it out of any other), keeping due-date order and counts. */
  place(card: Card): void {
    this.take(card.id);
    const column = this.columns.find((c) => c.status === card.status);
    if (!column) return;
    const cards = [...column.cards, card].sort(byDue);
    column.cards = cards;
    column.count += 1;
    this.learn([card]);
  }

  /** Removes a card; true when it was there. */
  take(caseId: string): boolean {
    for (const column of this.columns) {
      const index = column.cards.findIndex((c) => c.id === caseId);
      if (index >= 0) {
        column.cards = column.cards.filter((c) => c.id !== caseId);
        column.count = Math.max(0, column.count - 1);
        return true;
      }
    }
    return false;
  }

  /**
   * Applies a live change. Returns 'refetch' when the card must be read again (a card this board
   * does not have, or a change to fields the event does not carry).
   */
  applyChange(type: string, change: CaseChangedV1): 'done' | 'refetch' {
    if (type === 'case.deleted.v1') {
      this.pending.delete(change.caseId);
      this.optimistic.delete(change.caseId);
      this.pendingIds = this.pendingIds.filter((id) => id !== change.caseId);
      this.take(change.caseId);
      return 'done';
    }
    const move = this.pending.get(change.caseId);
    const current = move?.base ?? this.find(change.caseId);
    if (!current) return 'refetch';
    if (change.version !== null && change.version <= current.version && type !== 'case.created.v1') return 'done';
    const next: Card = {
      ...current,
      status: change.status,
      state: change.state,
      deliveryStatus: change.deliveryStatus,
      approvalStatus: change.approvalStatus,
      assignedDesignerId: change.assignedDesignerId,
      dentistUserId: change.dentistUserId,
      dueDate: change.dueDate,
      redoCount: change.redoCount,
      isOutsourced: change.isOutsourced,
      version: change.version ?? current.version,
    };
    next.risk = dueRisk(next, this.today);
    if (move) move.base = next;
    else this.place(next);
    return change.changedFields.some((field) => notOnEvent.includes(field)) ? 'refetch' : 'done';
  }

  /** Shows the card in its new column at once; `finish` or `rollback` settles it. */
  begin(card: Card, status: CaseStatus, state: string): void {
    const base = this.pending.get(card.id)?.base ?? card;
    this.pending.set(card.id, { base });
    const moved: Card = { ...card, status, state };
    moved.risk = dueRisk(moved, this.today);
    this.optimistic.set(card.id, moved);
    this.pendingIds = [...this.pendingIds, card.id];
    this.place(moved);
  }

  /** The server accepted: its answer is the truth. */
  finish(card: Card): void {
    this.settle(card.id);
    this.place(card);
  }

  /** The server refused: back to where the server has the card (a live change may have moved it meanwhile). */
  rollback(caseId: string): Card | null {
    const base = this.settle(caseId);
    if (base) this.place(base);
    return base;
  }

  private settle(caseId: string): Card | null {
    const base = this.pending.get(caseId)?.base ?? null;
    this.pending.delete(caseId);
    this.optimistic.delete(caseId);
    this.pendingIds = this.pendingIds.filter((id) => id !== caseId);
    return base;
  }

  private learn(cards: Card[]): void {
    const materials = new Set(this.materials);
    const caseTypes = new Set(this.caseTypes);
    let changed = false;
    for (const card of cards) {
      if (!materials.has(card.material)) (materials.add(card.material), (changed = true));
      if (!caseTypes.has(card.caseType)) (caseTypes.add(card.caseType), (changed = true));
    }
    if (!changed) return;
    const sort = (values: Set<string>) => [...values].sort((a, b) => a.localeCompare(b));
    this.materials = sort(materials);
    this.caseTypes = sort(caseTypes);
  }
}
