export * from './roles';
export { allowedEvents, attempt, initial, restore } from './attempt';
export type { Attempt, Persisted, StateValueString } from './attempt';
export * from './case.machine';
export * from './visit.machine';
export * from './appointment.machine';
