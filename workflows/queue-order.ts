/**
 * Who is waiting in a doctor's queue and in what order: the one rule the reception desk, the
 * doctor's screen, the waiting-room display and the patient's status page all show, and the order
 * "call next" takes. Pure and import-free, so server and client apply exactly the same rule.
 *
 * Waiting means not yet called. Urgent patients go first, then everyone by check-in, then by
 * ticket. A called patient (on the way in) and one with the doctor are no longer waiting: screens
 * show them apart, as called or being seen, and they neither count as waiting nor take a place in
 * line. Wait estimates never reorder the line: an estimate arrives a moment after a check-in, and
 * the line must not change when it does.
 */

/** What the rule reads of a visit: the server's rows and the client's queue entries both have it. */
export interface QueueVisit {
  status: string;
  /** 0 normal, 1 urgent. */
  priority: number;
  checkedInAt: string | Date;
  ticketNumber: string;
}

/** A doctor's queue as every screen shows it. */
export interface QueueLine<T> {
  /** Not yet called, in calling order: place n in line is `waiting[n - 1]`. */
  waiting: T[];
  /** Called and on the way in. */
  called: T[];
  /** With the doctor now. */
  withDoctor: T[];
}

const instant = (at: string | Date) => (typeof at === 'string' ? Date.parse(at) : at.getTime());
const ticketCollator = new Intl.Collator('en', { numeric: true });

/** Calling order: urgent first, then earlier check-in, then lower ticket (A-9 before A-10). */
export function compareInLine(a: QueueVisit, b: QueueVisit): number {
  return b.priority - a.priority || instant(a.checkedInAt) - instant(b.checkedInAt) || ticketCollator.compare(a.ticketNumber, b.ticketNumber);
}

/** Sorts one doctor's visits into the line; visits in any other status (done, cancelled...) are left out. */
export function queueLine<T extends QueueVisit>(visits: readonly T[]): QueueLine<T> {
  const inOrder = [...visits].sort(compareInLine);
  return {
    waiting: inOrder.filter((v) => v.status === 'waiting'),
    called: inOrder.filter((v) => v.status === 'called'),
    withDoctor: inOrder.filter((v) => v.status === 'in_consultation'),
  };
}

/**
 * Several doctors' lines as one list (a display serving several rooms): everyone first in their
 * line, then everyone second, and so on, each rank in calling order. Each doctor's own order is
 * kept, and the next patient of a short queue is never pushed off the list by a long one.
 */
export function mergeLines<T extends QueueVisit>(lines: readonly (readonly T[])[]): T[] {
  const depth = Math.max(0, ...lines.map((line) => line.length));
  const merged: T[] = [];
  for (let rank = 0; rank < depth; rank++) merged.push(...lines.flatMap((line) => (rank < line.length ? [line[rank]!] : [])).sort(compareInLine));
  return merged;
}
