import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditActions } from '../../server/modules/audit/audit-actions';
import type { TimelineEntry } from '../../server/modules/audit/audit.service';
import { appointmentMachine } from '../../workflows/appointment.machine';
import { visitMachine } from '../../workflows/visit.machine';
import { formatTime } from '../../client/src/lib/format';
import { actionLabel, changedFieldsOf, describeEntry, knownActions, readRunLabel } from '../../client/src/screens/admin/audit-labels';

const root = join(import.meta.dirname, '../..');
const dotted = /^[a-z]+(?:\.[a-zA-Z]+)+$/;

function sourcesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const path = relative(root, join(entry.parentPath, entry.name));
      return { path, text: readFileSync(join(root, path), 'utf8') };
    });
}

/** The text of each call's arguments, for every call of a function whose name says it audits. */
function auditCalls(text: string): { callee: string; args: string }[] {
  const calls: { callee: string; args: string }[] = [];
  for (const match of text.matchAll(/\b(\w*[Aa]udit\w*)\(/g)) {
    let depth = 1;
    let end = match.index + match[0].length;
    while (depth > 0 && end < text.length) {
      if (text[end] === '(') depth++;
      else if (text[end] === ')') depth--;
      end++;
    }
    calls.push({ callee: match[1]!, args: text.slice(match.index + match[0].length, end - 1) });
  }
  return calls;
}

const literals = (text: string) => [...text.matchAll(/'([^'\n]+)'/g)].map((m) => m[1]!).filter((value) => dotted.test(value));
const machineEvents = (machine: typeof visitMachine | typeof appointmentMachine) => machine.root.events.filter((type) => dotted.test(type) && !type.startsWith('xstate.'));

/**
 * Where the server writes an action that is not a literal in the call, and where those actions come
 * from. A new place must be added here, so its actions are checked too.
 */
const indirectActions: Record<string, string[]> = {
  // applyVisitEvent / applyAppointmentEvent audit the machine event they applied.
  'server/modules/visits/visit-transitions.ts': machineEvents(visitMachine),
  'server/modules/appointments/appointment-transitions.ts': machineEvents(appointmentMachine),
  // recordAccountAudit and auditMembershipChange pass on the literal their callers give (found as audit-call literals).
  'server/modules/auth/auth.service.ts': [],
  'server/modules/orgs/orgs.service.ts': [],
};

/** Every action the server's sources write: audit calls' literals, raw inserts into audit_events, and the machines' events. */
function writtenActions(): { actions: Set<string>; indirectFiles: Set<string> } {
  const actions = new Set<string>();
  const indirectFiles = new Set<string>();
  for (const { path, text } of sourcesUnder('server')) {
    if (path.startsWith('server/migrations/')) continue;
    for (const call of auditCalls(text)) {
      literals(call.args).forEach((action) => actions.add(action));
      if (call.callee === 'recordAudit' && /\baction\s*(?:,|:\s*[^'\s])/.test(call.args)) indirectFiles.add(path);
    }
    for (const statement of text.matchAll(/insert into audit_events[^`]*/g)) literals(statement[0]).forEach((action) => actions.add(action));
  }
  for (const [path, fromElsewhere] of Object.entries(indirectActions)) if (indirectFiles.has(path)) fromElsewhere.forEach((action) => actions.add(action));
  return { actions, indirectFiles };
}

describe('audit actions', () => {
  const { actions, indirectFiles } = writtenActions();

  it('finds the actions the server writes, through every path', () => {
    // The scan itself must see each kind of write, or it proves nothing.
    for (const action of ['patient.read', 'case.transition', 'visit.call', 'appointment.cancel', 'account.changePassword', 'staff.update', 'audit.export']) {
      expect(actions, action).toContain(action);
    }
    expect([...indirectFiles].sort()).toEqual(Object.keys(indirectActions).sort());
  });

  it('lists every action the server writes, and none it does not', () => {
    expect([...actions].filter((action) => !(auditActions as readonly string[]).includes(action))).toEqual([]);
    expect(auditActions.filter((action) => !actions.has(action))).toEqual([]);
  });

  it('has words for every listed action in the admin screen', () => {
    expect([...knownActions].sort()).toEqual([...auditActions].sort());
    for (const action of auditActions) {
      expect(actionLabel(action), action).not.toBe(action);
      expect(describeEntry(entry({ action }), 'clinic'), action).not.toContain(action);
    }
  });
});

function entry(overrides: Partial<TimelineEntry>): TimelineEntry {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    orgId: null,
    actorUserId: '00000000-0000-4000-8000-000000000002',
    actorRole: 'receptionist',
    actorName: 'Rita Reception',
    action: 'patient.read',
    entityType: 'Patient',
    entityId: null,
    entityIds: [],
    changedFields: [],
    requestId: null,
    ip: null,
    at: '2026-03-02T09:32:00.000Z',
    patient: null,
    subject: null,
    subjectRole: null,
    subjectActive: null,
    toState: null,
    reads: null,
    ...overrides,
  };
}

describe('audit entries in words', () => {
  const ana = { id: '00000000-0000-4000-8000-000000000003', name: 'Ana Souza' };

  it('says who did what to whom, in one sentence', () => {
    const said = (overrides: Partial<TimelineEntry>, kind: 'lab' | 'clinic' = 'clinic') => describeEntry(entry(overrides), kind);
    expect(said({ action: 'patient.read', patient: ana, changedFields: ['history', 'vitals'] })).toBe("Rita Reception read Ana Souza's record (history, vitals)");
    expect(said({ actorName: 'Dana Designer', action: 'case.transition', subject: 'CASE-00012', toState: 'in_progress' }, 'lab')).toBe('Dana Designer moved CASE-00012 to In Progress');
    expect(said({ actorName: 'Ruth Admin', action: 'staff.update', subject: 'Dr. Ngozi Okafor', subjectRole: 'receptionist', changedFields: ['role'] })).toBe(
      "Ruth Admin changed Dr. Ngozi Okafor's role to receptionist",
    );
    expect(said({ actorName: 'Ruth Admin', action: 'staff.update', subject: 'Dee Signer', subjectActive: false, changedFields: ['active'] })).toBe('Ruth Admin deactivated Dee Signer');
    expect(said({ actorName: null, action: 'patient.search', entityIds: ['a', 'b', 'c', 'd'] })).toBe('Someone searched patients and saw 4 records');
    expect(said({ action: 'patient.search', entityIds: ['a', 'b'], patient: ana })).toBe('Rita Reception searched patients and saw 2 records, Ana Souza among them');
    expect(said({ actorName: 'Ruth Admin', action: 'staff.invite', subject: 'x@y.test', subjectRole: 'doctor' })).toBe('Ruth Admin invited x@y.test as doctor');
    expect(said({ actorName: 'Ana Souza', action: 'account.changePassword', changedFields: ['password'] })).toBe('Ana Souza changed their password');
    expect(said({ actorUserId: null, actorName: null, action: 'visit.expire', patient: ana })).toBe("Ana Souza's ticket expired");
    // A patient the reader may not see by name, and an action no longer written.
    expect(said({ action: 'visit.checkIn', patient: { id: ana.id, name: null } })).toBe('Rita Reception checked in a patient');
    expect(said({ action: 'legacy.thing' })).toBe('Rita Reception: legacy.thing');
  });

  it('lists changed fields for changes only, never for reads', () => {
    expect(changedFieldsOf(entry({ action: 'patient.update', changedFields: ['address', 'dateOfBirth'] }))).toEqual(['address', 'date of birth']);
    expect(changedFieldsOf(entry({ action: 'patient.read', changedFields: ['history', 'vitals'] }))).toEqual([]);
    expect(changedFieldsOf(entry({ action: 'patient.search', changedFields: ['fullName', 'phone'] }))).toEqual([]);
  });

  it('tells a run of reads by its count and its first and last times', () => {
    const run = entry({ reads: { count: 7, firstAt: '2026-03-02T09:10:00.000Z', items: [] } });
    expect(readRunLabel(run)).toBe(`Read 7 times between ${formatTime('2026-03-02T09:10:00.000Z')} and ${formatTime(run.at)}`);
    expect(readRunLabel(entry({ reads: { count: 2, firstAt: '2026-03-02T09:32:00.000Z', items: [] } }))).toBe(`Read 2 times at ${formatTime('2026-03-02T09:32:00.000Z')}`);
    expect(readRunLabel(entry({}))).toBeNull();
  });
});
