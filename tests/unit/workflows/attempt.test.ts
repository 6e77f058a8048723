import { describe, expect, it } from 'vitest';
import { allowedEvents, attempt, caseMachine, initial, restore, visitMachine } from '../../../workflows';
import type { CaseContext, CaseEvent, Persisted } from '../../../workflows';
import { caller } from './support';

const at = '2024-03-01T10:00:00.000Z';
const manager = caller('org_admin');
const later = '2030-01-01T00:00:00.000Z';
const approved: Persisted<CaseContext> = {
  value: 'completed.not_shipped',
  context: { ...initial(caseMachine).context, assignedDesignerId: 'designer-1', approvalStatus: 'approved', completedAt: at },
};

describe(attempt.name, () => {
  it('persists a nested state as one dot-joined string that restores and carries on', () => {
    const shipped = attempt(caseMachine, approved, { type: 'case.ship', actor: manager });
    expect(shipped).toMatchObject({ accepted: true, from: 'completed.not_shipped', value: 'completed.shipped' });
    if (!shipped.accepted) return;
    expect(restore(caseMachine, shipped).matches({ completed: 'shipped' })).toBe(true);
    expect(attempt(caseMachine, shipped, { type: 'case.deliver', actor: manager })).toMatchObject({
      accepted: true,
      value: 'completed.delivered',
    });
  });

  it('leaves the persisted state it was given untouched', () => {
    const before = structuredClone(approved);
    attempt(caseMachine, approved, { type: 'case.ship', actor: manager });
    expect(approved).toEqual(before);
  });

  it('answers a refusal with the events the same sender may send instead', () => {
    expect(attempt(caseMachine, approved, { type: 'case.deliver', actor: manager })).toEqual({
      accepted: false,
      from: 'completed.not_shipped',
      allowed: ['case.ship'],
    });
  });

  it('does not let a request body skip the payload rules', () => {
    const body = JSON.parse('{"notes": "", "probing": true}') as { notes: string };
    const pending: Persisted<CaseContext> = {
      value: 'pending_approval',
      context: { ...approved.context, approvalStatus: 'pending', completedAt: null },
    };
    const event: CaseEvent = { type: 'case.requestAdjustment', actor: caller('dentist'), ...body };
    expect(attempt(caseMachine, pending, event).accepted).toBe(false);
  });

  it('refuses everything in a final state and allows nothing there', () => {
    const closed = { value: 'closed', context: { ...initial(visitMachine, { expiresAt: at }).context, closedAt: at } };
    expect(attempt(visitMachine, closed, { type: 'visit.expire', actor: caller('system'), at: later })).toEqual({
      accepted: false,
      from: 'closed',
      allowed: [],
    });
  });

  it('throws on a persisted value that names no state', () => {
    for (const value of ['archived', 'completed.lost']) {
      const ship = { type: 'case.ship', actor: manager } as const;
      expect(() => attempt(caseMachine, { value, context: approved.context }, ship), value).toThrow();
    }
  });
});

describe(allowedEvents.name, () => {
  it('lists an event that only its payload can refuse', () => {
    const designer = caller('designer');
    const fresh = initial(caseMachine);
    expect(allowedEvents(caseMachine, fresh, designer)).toEqual(['case.assignDesigner']);
    const someoneElse = { type: 'case.assignDesigner', actor: designer, designerId: 'designer-2' } as const;
    expect(attempt(caseMachine, fresh, someoneElse).accepted).toBe(false);
  });

  it('still applies the rules that read only the context', () => {
    const pharmacist = caller('medical_staff');
    const done = { value: 'consultation_done', context: { ...initial(visitMachine, { expiresAt: later }).context, sessionCount: 1 } };
    const prescribed = { ...done, context: { ...done.context, hasPrescription: true } };
    expect(allowedEvents(visitMachine, done, pharmacist)).toEqual(['visit.close']);
    expect(allowedEvents(visitMachine, prescribed, pharmacist)).toEqual(['visit.print']);
  });
});
