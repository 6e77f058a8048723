import { getNextTransitions, initialTransition, pathToStateValue, transition } from 'xstate';
import type {
  AnyMachineSnapshot,
  AnyStateMachine,
  ContextFrom,
  EventFromLogic,
  EventObject,
  ExecutableActionObject,
  InputFrom,
  StateValue,
} from 'xstate';
import type { Actor, Caller } from './roles';

/** A state as one string column stores it: the dot-joined path of the active state, e.g. 'completed.shipped'. */
export type StateValueString = string;

/** What the server keeps of a machine between requests. */
export interface Persisted<TContext> {
  value: StateValueString;
  context: TContext;
}

/** The machine's answer to one event: the state to persist, or a refusal listing what the sender may do instead. */
export type Attempt<TContext> =
  | { accepted: true; value: StateValueString; context: TContext; from: StateValueString; actions: string[] }
  | { accepted: false; from: StateValueString; allowed: string[] };

/** Every machine event is a command with the sender attached. */
export interface Command extends EventObject {
  actor: Caller;
}

/** Guard rules beyond the role table: `when` reads only the context, `valid` may read the payload. */
export interface Rules<TContext, TEvent> {
  when?: (context: TContext) => boolean;
  valid?: (event: TEvent, context: TContext) => boolean;
}

// A symbol cannot arrive in a parsed request body, so only allowedEvents can make a probe.
const probing = Symbol('probing');

/**
 * Builds the guard factory for one machine. Every guard it makes checks the sender's role against
 * `roles`, then the rules. allowedEvents asks with a probe event that has no payload, so `valid`
 * is skipped for probes while `when` still decides.
 */
export function permitter<TContext, TEvent extends Command>(roles: Record<TEvent['type'], readonly Actor[]>) {
  return <K extends TEvent['type']>(type: K, rules: Rules<TContext, Extract<TEvent, { type: K }>> = {}) =>
    ({ context, event }: { context: TContext; event: TEvent }): boolean =>
      event.type === type &&
      roles[type].includes(event.actor.role) &&
      (rules.when?.(context) ?? true) &&
      (probing in event || (rules.valid?.(event as Extract<TEvent, { type: K }>, context) ?? true));
}

/** Rebuilds a machine snapshot from its persisted form; throws if the value names no state of the machine. */
export function restore<M extends AnyStateMachine>(machine: M, persisted: Persisted<ContextFrom<M>>): AnyMachineSnapshot {
  return machine.resolveState({ value: pathToStateValue(persisted.value.split('.')), context: persisted.context });
}

/** Flattens a state value to its dot-joined path; the machines have no parallel states, so there is one path. */
function flatten(value: StateValue): StateValueString {
  if (typeof value === 'string') return value;
  const [[key, child]] = Object.entries(value);
  return child === undefined ? key : `${key}.${flatten(child)}`;
}

/** The persisted form of a new machine instance. */
export function initial<M extends AnyStateMachine>(
  machine: M,
  ...[input]: undefined extends InputFrom<M> ? [input?: InputFrom<M>] : [input: InputFrom<M>]
): Persisted<ContextFrom<M>> {
  const [snapshot] = initialTransition<AnyStateMachine>(machine, input);
  return { value: flatten(snapshot.value), context: snapshot.context };
}

/**
 * Event types `actor` could send now: the role table and the context allow them. Payload rules are
 * not checked, so an event listed here can still be refused for a bad payload.
 */
export function allowedEvents<M extends AnyStateMachine>(
  machine: M,
  persisted: Persisted<ContextFrom<M>>,
  actor: Caller,
): EventFromLogic<M>['type'][] {
  const snapshot = restore(machine, persisted);
  const candidates = new Set(getNextTransitions(snapshot).map((t) => t.eventType));
  return [...candidates].filter((type) => snapshot.can({ type, actor, [probing]: true }));
}

/**
 * Applies `event` to the persisted state without side effects. Accepted: the next state and the
 * domain events it emitted, for the caller to persist and publish in one transaction. Refused:
 * the events the same sender may send instead.
 */
export function attempt<M extends AnyStateMachine>(
  machine: M,
  persisted: Persisted<ContextFrom<M>>,
  event: EventFromLogic<M>,
): Attempt<ContextFrom<M>> {
  const snapshot = restore(machine, persisted);
  const from = flatten(snapshot.value);
  if (!snapshot.can(event)) return { accepted: false, from, allowed: allowedEvents(machine, persisted, event.actor) };
  const [next, actions]: [AnyMachineSnapshot, ExecutableActionObject[]] = transition<AnyStateMachine>(
    machine,
    snapshot,
    event,
  );
  return {
    accepted: true,
    value: flatten(next.value),
    context: next.context,
    from,
    actions: actions.flatMap((a) => (a.type === 'xstate.emit' ? [(a.params as { event: EventObject }).event.type] : [])),
  };
}
