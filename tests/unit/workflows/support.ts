import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, ContextFrom, EventFromLogic } from 'xstate';
import { allowedEvents, attempt, roles } from '../../../workflows';
import type { Actor, Caller, Persisted } from '../../../workflows';

export const actors: readonly Actor[] = [...roles, 'system'];

export const caller = (role: Actor, userId = `${role}-1`): Caller => ({ role, userId });

/** One state of a machine as the server would have persisted it, with the documented transitions out of it. */
export interface Fixture<M extends AnyStateMachine> {
  /** How the tests name it; a state with a context-dependent rule appears once per variant. */
  name: string;
  persisted: Persisted<ContextFrom<M>>;
  /** Event type -> the state value it leads to, for the roles in the spec's role table. */
  edges: Partial<Record<EventFromLogic<M>['type'], string>>;
}

/** The transition table as the spec writes it, kept apart from the machine's own tables. */
export interface Spec<M extends AnyStateMachine> {
  machine: M;
  eventTypes: readonly EventFromLogic<M>['type'][];
  senders: Record<EventFromLogic<M>['type'], readonly Actor[]>;
  fixtures: readonly Fixture<M>[];
  /** An event of `type` from `sender` whose payload passes every payload rule in `persisted`. */
  validEvent: (type: EventFromLogic<M>['type'], sender: Caller, persisted: Persisted<ContextFrom<M>>) => EventFromLogic<M>;
}

const sorted = (types: readonly string[]) => [...types].sort();

/** What the spec says `role` may send in `fixture`. */
function expectedAllowed<M extends AnyStateMachine>(spec: Spec<M>, fixture: Fixture<M>, role: Actor): string[] {
  return sorted(spec.eventTypes.filter((type) => fixture.edges[type] !== undefined && spec.senders[type].includes(role)));
}

/** Every state x every event x every role: exactly the documented transitions are accepted. */
export function describeTransitionTable<M extends AnyStateMachine>(spec: Spec<M>): void {
  for (const fixture of spec.fixtures) {
    describe(`in ${fixture.name}`, () => {
      it('lists exactly the documented events for every role', () => {
        for (const role of actors) {
          expect(sorted(allowedEvents(spec.machine, fixture.persisted, caller(role))), role).toEqual(
            expectedAllowed(spec, fixture, role),
          );
        }
      });

      for (const type of spec.eventTypes) {
        const target = fixture.edges[type];
        const accepting = target === undefined ? [] : spec.senders[type];
        const title = accepting.length
          ? `accepts ${type} only from ${accepting.join(', ')}, moving to ${target}`
          : `refuses ${type} from every role`;
        it(title, () => {
          for (const role of actors) {
            const result = attempt(spec.machine, fixture.persisted, spec.validEvent(type, caller(role), fixture.persisted));
            if (accepting.includes(role)) {
              expect(result, role).toMatchObject({ accepted: true, value: target, from: fixture.persisted.value });
            } else {
              expect(result, role).toEqual({
                accepted: false,
                from: fixture.persisted.value,
                allowed: allowedEvents(spec.machine, fixture.persisted, caller(role)),
              });
              if (!result.accepted) expect(sorted(result.allowed), role).toEqual(expectedAllowed(spec, fixture, role));
            }
          }
        });
      }
    });
  }
}

/**
 * Breadth-first walk from `start` sending every valid event from every role (and `variants` of an
 * event where its payload picks the branch). Returns the states reached and the transitions taken,
 * as 'from --type--> to'. `key` says which part of the context makes two visits of a state differ.
 */
export function walk<M extends AnyStateMachine>(
  spec: Spec<M>,
  start: Persisted<ContextFrom<M>>,
  key: (persisted: Persisted<ContextFrom<M>>) => string,
  variants: (event: EventFromLogic<M>) => EventFromLogic<M>[] = (event) => [event],
): { states: Set<string>; transitions: Set<string> } {
  const states = new Set([start.value]);
  const transitions = new Set<string>();
  const seen = new Set([key(start)]);
  const queue = [start];
  for (let persisted = queue.shift(); persisted; persisted = queue.shift()) {
    for (const type of spec.eventTypes) {
      for (const role of actors) {
        for (const event of variants(spec.validEvent(type, caller(role), persisted))) {
          const result = attempt(spec.machine, persisted, event);
          if (!result.accepted) continue;
          const next = { value: result.value, context: result.context };
          states.add(next.value);
          transitions.add(`${persisted.value} --${type}--> ${next.value}`);
          if (!seen.has(key(next))) {
            seen.add(key(next));
            queue.push(next);
          }
        }
      }
    }
  }
  return { states, transitions };
}

/** The transitions a spec documents, in the form walk() reports them. */
export function documentedTransitions<M extends AnyStateMachine>(spec: Spec<M>): Set<string> {
  return new Set(
    spec.fixtures.flatMap((fixture) =>
      Object.entries(fixture.edges).map(([type, to]) => `${fixture.persisted.value} --${type}--> ${to}`),
    ),
  );
}

/** How a random run chooses its next command; numbers, so fast-check can shrink a failing run. */
interface Step {
  pick: number;
  sender: number;
  /** Any event type from any role, so refusals get their share. */
  wild: boolean;
  /** May pick an event that ends the run early (cancel, no-show, expire). */
  ends: boolean;
}

/** Random runs of up to `maxLength` steps, each with a payload drawn from `payload`. */
export const runs = <P>(payload: fc.Arbitrary<P>, maxLength: number) =>
  fc.array(
    fc.tuple(
      fc.record({
        pick: fc.nat(),
        sender: fc.nat(),
        wild: fc.nat(9).map((n) => n === 0),
        ends: fc.nat(19).map((n) => n === 0),
      }),
      payload,
    ),
    { maxLength, size: 'max' },
  );

/**
 * The event type and sender of a step: usually an event some role may send now, from one of its
 * documented senders, so that runs get deep into the graph instead of knocking on closed doors.
 */
export function choose<M extends AnyStateMachine>(
  spec: Spec<M>,
  persisted: Persisted<ContextFrom<M>>,
  step: Step,
  ending: readonly string[] = [],
): { type: EventFromLogic<M>['type']; actor: Caller } {
  const sendable = new Set<string>(actors.flatMap((role) => allowedEvents(spec.machine, persisted, caller(role))));
  const open = spec.eventTypes.filter((type) => sendable.has(type) && (step.ends || !ending.includes(type)));
  const types = step.wild || open.length === 0 ? spec.eventTypes : open;
  const type = types[step.pick % types.length]!;
  const senders = step.wild ? actors : spec.senders[type];
  return { type, actor: caller(senders[step.sender % senders.length]!) };
}
