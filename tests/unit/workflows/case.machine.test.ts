import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allowedEvents,
  attempt,
  canMoveTo,
  caseMachine,
  caseStatuses,
  deliveryOf,
  initial,
  remakeReasons,
  statusOf,
} from '../../../workflows';
import type {
  Actor,
  CaseContext,
  CaseEvent,
  CaseEventType,
  CaseStatus,
  Caller,
  Persisted,
  RemakeReason,
} from '../../../workflows';
import { actors, caller, choose, describeTransitionTable, documentedTransitions, runs, walk } from './support';
import type { Spec } from './support';

const at = '2024-03-01T10:00:00.000Z';
const dentist = caller('dentist');
const designer = caller('designer');
const manager = caller('org_admin');

const fresh: CaseContext = {
  redoCount: 0,
  approvalStatus: 'not_submitted',
  completedAt: null,
  assignedDesignerId: null,
  isOutsourced: false,
  outsourcedTo: null,
  adjustmentNotes: null,
  deliveryStatus: 'not_shipped',
  lastRemake: null,
};
const assigned: CaseContext = { ...fresh, assignedDesignerId: 'designer-1' };
const submitted: CaseContext = { ...assigned, approvalStatus: 'pending' };
const approved: CaseContext = { ...submitted, approvalStatus: 'approved', completedAt: at };

const states = {
  new: { value: 'new', context: fresh },
  in_progress: { value: 'in_progress', context: assigned },
  pending_approval: { value: 'pending_approval', context: submitted },
  not_shipped: { value: 'completed.not_shipped', context: approved },
  shipped: { value: 'completed.shipped', context: { ...approved, deliveryStatus: 'shipped' } },
  delivered: { value: 'completed.delivered', context: { ...approved, deliveryStatus: 'delivered' } },
  sent_to_outsource: { value: 'sent_to_outsource', context: { ...fresh, isOutsourced: true, outsourcedTo: 'Partner Lab' } },
} satisfies Record<string, Persisted<CaseContext>>;

// The spec's role table, written out again so a slip in the machine's table shows up here.
const senders: Record<CaseEventType, readonly Actor[]> = {
  'case.assignDesigner': ['org_admin', 'designer'],
  'case.submitForApproval': ['designer', 'org_admin'],
  'case.approve': ['dentist', 'org_admin'],
  'case.requestAdjustment': ['dentist', 'org_admin'],
  'case.outsource': ['org_admin'],
  'case.returnFromOutsource': ['org_admin', 'designer'],
  'case.ship': ['org_admin'],
  'case.deliver': ['org_admin', 'dentist'],
  'case.remake': ['dentist', 'org_admin'],
};

function validEvent(type: CaseEventType, actor: Caller): CaseEvent {
  switch (type) {
    case 'case.assignDesigner':
      return { type, actor, designerId: actor.userId };
    case 'case.approve':
      return { type, actor, at };
    case 'case.requestAdjustment':
      return { type, actor, notes: 'Open the contacts on 14' };
    case 'case.outsource':
      return { type, actor, outsourcedTo: 'Partner Lab' };
    case 'case.remake':
      return { type, actor, reason: 'fit', details: '', at };
    default:
      return { type, actor };
  }
}

const spec: Spec<typeof caseMachine> = {
  machine: caseMachine,
  eventTypes: Object.keys(senders) as CaseEventType[],
  senders,
  validEvent,
  fixtures: [
    { name: 'new', persisted: states.new, edges: { 'case.assignDesigner': 'in_progress', 'case.outsource': 'sent_to_outsource' } },
    {
      name: 'in_progress',
      persisted: states.in_progress,
      edges: {
        'case.assignDesigner': 'in_progress',
        'case.submitForApproval': 'pending_approval',
        'case.outsource': 'sent_to_outsource',
      },
    },
    {
      name: 'pending_approval',
      persisted: states.pending_approval,
      edges: { 'case.approve': 'completed.not_shipped', 'case.requestAdjustment': 'in_progress' },
    },
    { name: 'completed.not_shipped', persisted: states.not_shipped, edges: { 'case.ship': 'completed.shipped' } },
    { name: 'completed.shipped', persisted: states.shipped, edges: { 'case.deliver': 'completed.delivered' } },
    { name: 'completed.delivered', persisted: states.delivered, edges: { 'case.remake': 'in_progress' } },
    { name: 'sent_to_outsource', persisted: states.sent_to_outsource, edges: { 'case.returnFromOutsource': 'pending_approval' } },
  ],
};

const send = (persisted: Persisted<CaseContext>, event: CaseEvent) => attempt(caseMachine, persisted, event);

describe('caseMachine', () => {
  describe('transition table', () => {
    describeTransitionTable(spec);
  });

  describe('effects', () => {
    it('starts new, unassigned and not submitted', () => {
      expect(initial(caseMachine)).toEqual({ value: 'new', context: fresh });
    });

    it('assigns the designer and moves a new case to in progress', () => {
      expect(send(states.new, { type: 'case.assignDesigner', actor: manager, designerId: 'designer-2' })).toEqual({
        accepted: true,
        from: 'new',
        value: 'in_progress',
        context: { ...fresh, assignedDesignerId: 'designer-2' },
        actions: ['CaseDesignerAssigned'],
      });
    });

    it('lets a designer assign themselves', () => {
      expect(send(states.new, { type: 'case.assignDesigner', actor: designer, designerId: 'designer-1' })).toMatchObject({
        accepted: true,
        context: { assignedDesignerId: 'designer-1' },
      });
    });

    it('refuses a designer assigning someone else', () => {
      expect(send(states.new, { type: 'case.assignDesigner', actor: designer, designerId: 'designer-2' })).toEqual({
        accepted: false,
        from: 'new',
        allowed: ['case.assignDesigner'],
      });
    });

    it("refuses a designer taking over another designer's case, which the manager may reassign", () => {
      const theirs = { value: 'in_progress', context: { ...assigned, assignedDesignerId: 'designer-2' } };
      expect(send(theirs, { type: 'case.assignDesigner', actor: designer, designerId: 'designer-1' }).accepted).toBe(false);
      expect(send(theirs, { type: 'case.assignDesigner', actor: manager, designerId: 'designer-1' })).toMatchObject({
        accepted: true,
        context: { assignedDesignerId: 'designer-1' },
      });
    });

    it('refuses to submit a case in progress that no designer has taken', () => {
      const returned = { value: 'in_progress', context: { ...fresh, isOutsourced: true, outsourcedTo: 'Partner Lab', approvalStatus: 'changes_requested' as const } };
      for (const actor of [designer, manager]) {
        const result = send(returned, { type: 'case.submitForApproval', actor });
        expect(result.accepted, actor.role).toBe(false);
        expect(result.accepted ? [] : result.allowed, actor.role).toContain('case.assignDesigner');
        expect(result.accepted ? [] : result.allowed, actor.role).not.toContain('case.submitForApproval');
      }
    });

    it('refuses an assignment without a designer', () => {
      expect(send(states.new, { type: 'case.assignDesigner', actor: manager, designerId: ' ' }).accepted).toBe(false);
    });

    it('reassigns a case in progress without moving it', () => {
      expect(send(states.in_progress, { type: 'case.assignDesigner', actor: manager, designerId: 'designer-2' })).toMatchObject({
        accepted: true,
        value: 'in_progress',
        context: { assignedDesignerId: 'designer-2' },
      });
    });

    it('marks the approval pending on submission', () => {
      expect(send(states.in_progress, { type: 'case.submitForApproval', actor: designer })).toMatchObject({
        value: 'pending_approval',
        context: { approvalStatus: 'pending' },
        actions: ['CaseSubmitted'],
      });
    });

    it('completes an approved case at the time of approval, not yet shipped', () => {
      expect(send(states.pending_approval, { type: 'case.approve', actor: dentist, at })).toEqual({
        accepted: true,
        from: 'pending_approval',
        value: 'completed.not_shipped',
        context: approved,
        actions: ['CaseApproved'],
      });
    });

    it('refuses approval from a designer', () => {
      expect(send(states.pending_approval, { type: 'case.approve', actor: designer, at })).toEqual({
        accepted: false,
        from: 'pending_approval',
        allowed: [],
      });
    });

    it('sends an adjustment back to in progress with the notes and one more redo', () => {
      const result = send(states.pending_approval, { type: 'case.requestAdjustment', actor: dentist, notes: 'Shade too light' });
      expect(result).toEqual({
        accepted: true,
        from: 'pending_approval',
        value: 'in_progress',
        context: { ...submitted, redoCount: 1, adjustmentNotes: 'Shade too light', approvalStatus: 'changes_requested' },
        actions: ['CaseAdjustmentRequested'],
      });
    });

    it('refuses an adjustment request without notes', () => {
      for (const notes of ['', '   ']) {
        expect(send(states.pending_approval, { type: 'case.requestAdjustment', actor: dentist, notes })).toEqual({
          accepted: false,
          from: 'pending_approval',
          allowed: ['case.approve', 'case.requestAdjustment'],
        });
      }
    });

    it('outsources to a named partner lab from new or in progress', () => {
      for (const from of [states.new, states.in_progress]) {
        expect(send(from, { type: 'case.outsource', actor: manager, outsourcedTo: 'Partner Lab' })).toMatchObject({
          accepted: true,
          value: 'sent_to_outsource',
          context: { isOutsourced: true, outsourcedTo: 'Partner Lab' },
          actions: ['CaseOutsourced'],
        });
      }
    });

    it('refuses outsourcing without a partner lab', () => {
      expect(send(states.new, { type: 'case.outsource', actor: manager, outsourcedTo: '' }).accepted).toBe(false);
    });

    it('returns outsourced work for approval and remembers it was outsourced', () => {
      expect(send(states.sent_to_outsource, { type: 'case.returnFromOutsource', actor: designer })).toMatchObject({
        value: 'pending_approval',
        context: { approvalStatus: 'pending', isOutsourced: true, outsourcedTo: 'Partner Lab' },
        actions: ['CaseReturnedFromOutsource'],
      });
    });

    it('tracks shipping and delivery in the delivery status', () => {
      expect(send(states.not_shipped, { type: 'case.ship', actor: manager })).toMatchObject({
        value: 'completed.shipped',
        context: { deliveryStatus: 'shipped', approvalStatus: 'approved', completedAt: at },
        actions: ['CaseShipped'],
      });
      expect(send(states.shipped, { type: 'case.deliver', actor: dentist })).toMatchObject({
        value: 'completed.delivered',
        context: { deliveryStatus: 'delivered' },
        actions: ['CaseDelivered'],
      });
    });

    it('reopens a delivered case for a remake with the reason and one more redo', () => {
      const remakeAt = '2024-03-05T09:00:00.000Z';
      const result = send(states.delivered, {
        type: 'case.remake',
        actor: dentist,
        reason: 'other',
        details: 'Patient moved',
        at: remakeAt,
      });
      expect(result).toEqual({
        accepted: true,
        from: 'completed.delivered',
        value: 'in_progress',
        context: {
          ...approved,
          redoCount: 1,
          completedAt: null,
          approvalStatus: 'not_submitted',
          deliveryStatus: 'not_shipped',
          lastRemake: { reason: 'other', details: 'Patient moved', at: remakeAt },
        },
        actions: ['CaseRemakeRequested'],
      });
    });

    it('accepts a remake for every listed reason, with details required only for other', () => {
      for (const reason of remakeReasons) {
        const accepted = send(states.delivered, { type: 'case.remake', actor: dentist, reason, details: ' ', at }).accepted;
        expect(accepted, reason).toBe(reason !== 'other');
      }
    });

    it('refuses a remake reason outside the list', () => {
      const reason = 'loose' as RemakeReason;
      expect(send(states.delivered, { type: 'case.remake', actor: dentist, reason, details: 'x', at }).accepted).toBe(false);
    });

    it('refuses a remake before delivery', () => {
      expect(send(states.shipped, { type: 'case.remake', actor: dentist, reason: 'fit', details: '', at })).toEqual({
        accepted: false,
        from: 'completed.shipped',
        allowed: ['case.deliver'],
      });
    });
  });

  describe('graph', () => {
    it('reaches every state and exactly the documented transitions from a new case', () => {
      const { states: reached, transitions } = walk(spec, initial(caseMachine), (p) => p.value);
      expect([...reached].sort()).toEqual(spec.fixtures.map((f) => f.persisted.value).sort());
      expect(transitions).toEqual(documentedTransitions(spec));
    });
  });

  describe('statuses', () => {
    it('labels the five board columns in order', () => {
      expect(caseStatuses.map(({ status, label }) => [status, label])).toEqual([
        ['new', 'New'],
        ['in_progress', 'In Progress'],
        ['pending_approval', 'Pending Approval'],
        ['completed', 'Completed'],
        ['sent_to_outsource', 'Sent to Outsource'],
      ]);
    });

    it('reads the column and the delivery step off a state value', () => {
      expect(statusOf('completed.shipped')).toBe('completed');
      expect(statusOf('in_progress')).toBe('in_progress');
      expect(deliveryOf('completed.shipped')).toBe('shipped');
      expect(deliveryOf('pending_approval')).toBe('not_shipped');
    });

    it('refuses to read a value that is no case state', () => {
      expect(() => statusOf('archived')).toThrow(/archived/);
    });
  });

  describe('canMoveTo', () => {
    const moves: [Persisted<CaseContext>, Caller, CaseStatus, CaseEventType | null][] = [
      [states.new, manager, 'in_progress', 'case.assignDesigner'],
      [states.new, designer, 'in_progress', 'case.assignDesigner'],
      [states.new, dentist, 'in_progress', null],
      [states.new, manager, 'sent_to_outsource', 'case.outsource'],
      [states.new, designer, 'sent_to_outsource', null],
      [states.new, manager, 'pending_approval', null],
      [states.in_progress, designer, 'pending_approval', 'case.submitForApproval'],
      [states.in_progress, dentist, 'pending_approval', null],
      [states.in_progress, manager, 'sent_to_outsource', 'case.outsource'],
      [states.in_progress, manager, 'in_progress', null],
      [states.in_progress, manager, 'new', null],
      [states.pending_approval, dentist, 'completed', 'case.approve'],
      [states.pending_approval, designer, 'completed', null],
      [states.pending_approval, dentist, 'in_progress', 'case.requestAdjustment'],
      [states.pending_approval, manager, 'new', null],
      [states.sent_to_outsource, designer, 'pending_approval', 'case.returnFromOutsource'],
      [states.sent_to_outsource, dentist, 'pending_approval', null],
      [states.delivered, dentist, 'in_progress', 'case.remake'],
      [states.shipped, dentist, 'in_progress', null],
      [states.not_shipped, manager, 'completed', null],
      [states.not_shipped, manager, 'pending_approval', null],
    ];

    const cases = moves.map(([persisted, actor, target, event]) => ({
      from: persisted.value,
      role: actor.role,
      target,
      event,
      persisted,
      actor,
    }));
    it.each(cases)('answers $event when $role drops a $from card on $target', ({ persisted, actor, target, event }) => {
      expect(canMoveTo(persisted, actor, target)).toBe(event);
    });

    it('names only events that land the card in the target column, and misses none', () => {
      for (const persisted of Object.values(states)) {
        for (const role of actors) {
          for (const { status: target } of caseStatuses) {
            const move = canMoveTo(persisted, caller(role), target);
            const landing = allowedEvents(caseMachine, persisted, caller(role)).filter((type) => {
              const result = send(persisted, validEvent(type, caller(role)));
              return result.accepted && statusOf(result.value) === target && statusOf(persisted.value) !== target;
            });
            expect(move === null ? [] : [move], `${persisted.value} -> ${target} by ${role}`).toEqual(landing);
          }
        }
      }
    });
  });

  describe('invariants under random commands', () => {
    const text = fc.constantFrom('', '   ', 'designer-1', 'designer-2', 'Open the contacts');
    const payload = fc.record({
      designerId: text,
      notes: text,
      outsourcedTo: text,
      reason: fc.constantFrom<string>(...remakeReasons, 'loose'),
      details: text,
      at: fc.integer({ min: 0, max: 30 * 86_400_000 }).map((ms) => new Date(Date.parse(at) + ms).toISOString()),
    });

    it('keeps redo count, completion and approval consistent after every step', () => {
      const visited = new Set(['new']);
      fc.assert(
        fc.property(runs(payload, 60), (run) => {
          let persisted = initial(caseMachine);
          for (const [step, fields] of run) {
            const event = { ...choose(spec, persisted, step), ...fields } as CaseEvent;
            const result = send(persisted, event);
            if (!result.accepted) {
              expect(result.allowed).toEqual(allowedEvents(caseMachine, persisted, event.actor));
              continue;
            }
            expect(senders[event.type]).toContain(event.actor.role);
            const { value, context } = result;
            const redo = event.type === 'case.requestAdjustment' || event.type === 'case.remake' ? 1 : 0;
            expect(context.redoCount).toBe(persisted.context.redoCount + redo);
            expect(context.completedAt !== null).toBe(statusOf(value) === 'completed');
            expect(context.approvalStatus === 'approved').toBe(statusOf(value) === 'completed');
            expect(context.deliveryStatus).toBe(deliveryOf(value));
            persisted = { value, context };
            visited.add(value);
          }
        }),
        { numRuns: 300 },
      );
      // Guards against a generator that never gets past the first columns.
      expect(visited.size).toBe(spec.fixtures.length);
    });
  });
});
