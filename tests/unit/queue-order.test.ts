import { describe, expect, it } from 'vitest';
import { compareInLine, mergeLines, queueLine, type QueueVisit } from '../../workflows/queue-order';

/** A visit checked in `minute` minutes after 09:00. */
const visit = (ticketNumber: string, status: string, minute: number, priority = 0): QueueVisit => ({
  ticketNumber,
  status,
  priority,
  checkedInAt: new Date(Date.UTC(2026, 2, 2, 9, minute)).toISOString(),
});

const tickets = (rows: QueueVisit[]) => rows.map((r) => r.ticketNumber);

describe('queueLine', () => {
  const cases: { name: string; visits: QueueVisit[]; waiting: string[]; called: string[]; withDoctor: string[] }[] = [
    { name: 'an empty queue', visits: [], waiting: [], called: [], withDoctor: [] },
    {
      name: 'normal patients by check-in, whatever order they come in',
      visits: [visit('A-003', 'waiting', 20), visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 10)],
      waiting: ['A-001', 'A-002', 'A-003'],
      called: [],
      withDoctor: [],
    },
    {
      name: 'an urgent patient ahead of everyone waiting, even those who came earlier',
      visits: [visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 10), visit('A-003', 'waiting', 20, 1)],
      waiting: ['A-003', 'A-001', 'A-002'],
      called: [],
      withDoctor: [],
    },
    {
      name: 'urgent patients among themselves by check-in',
      visits: [visit('A-004', 'waiting', 30, 1), visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 10, 1)],
      waiting: ['A-002', 'A-004', 'A-001'],
      called: [],
      withDoctor: [],
    },
    {
      name: 'a called patient is not waiting and takes no place, even below an urgent one',
      visits: [visit('A-001', 'called', 0), visit('A-002', 'waiting', 10), visit('A-003', 'waiting', 20, 1)],
      waiting: ['A-003', 'A-002'],
      called: ['A-001'],
      withDoctor: [],
    },
    {
      name: 'the patient with the doctor is apart from the line',
      visits: [visit('A-001', 'in_consultation', 0), visit('A-002', 'called', 5), visit('A-003', 'waiting', 10)],
      waiting: ['A-003'],
      called: ['A-002'],
      withDoctor: ['A-001'],
    },
    {
      name: 'visits the day is done with are in no list',
      visits: [visit('A-001', 'consultation_done', 0), visit('A-002', 'cancelled', 1), visit('A-003', 'no_show', 2), visit('A-004', 'waiting', 3)],
      waiting: ['A-004'],
      called: [],
      withDoctor: [],
    },
    {
      name: 'the same check-in instant: by ticket, A-9 before A-10',
      visits: [visit('A-10', 'waiting', 0), visit('A-9', 'waiting', 0)],
      waiting: ['A-9', 'A-10'],
      called: [],
      withDoctor: [],
    },
  ];

  it.each(cases)('$name', ({ visits, waiting, called, withDoctor }) => {
    const line = queueLine(visits);
    expect(tickets(line.waiting)).toEqual(waiting);
    expect(tickets(line.called)).toEqual(called);
    expect(tickets(line.withDoctor)).toEqual(withDoctor);
  });

  it('reads check-in times as Date (server rows) or ISO text (client entries) alike', () => {
    const rows = [visit('A-002', 'waiting', 10), visit('A-001', 'waiting', 0)];
    const asDates = rows.map((r) => ({ ...r, checkedInAt: new Date(r.checkedInAt) }));
    expect(tickets(queueLine(asDates).waiting)).toEqual(tickets(queueLine(rows).waiting));
    expect(compareInLine(asDates[1]!, rows[0]!)).toBeLessThan(0);
  });

  it('leaves its input as it was', () => {
    const rows = [visit('A-002', 'waiting', 10), visit('A-001', 'waiting', 0)];
    queueLine(rows);
    expect(tickets(rows)).toEqual(['A-002', 'A-001']);
  });
});

describe('mergeLines', () => {
  const cases: { name: string; lines: QueueVisit[][]; merged: string[] }[] = [
    { name: 'no lines', lines: [], merged: [] },
    { name: 'one line as it is', lines: [[visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 5)]], merged: ['A-001', 'A-002'] },
    {
      name: 'the next of a short queue is not pushed below a long queue that checked in earlier',
      lines: [
        [visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 5), visit('A-003', 'waiting', 10)],
        [visit('B-001', 'waiting', 30)],
      ],
      merged: ['A-001', 'B-001', 'A-002', 'A-003'],
    },
    {
      name: 'each rank in calling order: an urgent head before a normal one',
      lines: [
        [visit('A-001', 'waiting', 0), visit('A-002', 'waiting', 5)],
        [visit('B-002', 'waiting', 30, 1), visit('B-001', 'waiting', 20)],
      ],
      merged: ['B-002', 'A-001', 'A-002', 'B-001'],
    },
  ];

  it.each(cases)('$name', ({ lines, merged }) => {
    expect(tickets(mergeLines(lines))).toEqual(merged);
  });
});
