import type { WireEvents } from '../api/wire';
import type { Envelope } from './live-client';

export type WireEnvelope<T extends keyof WireEvents> = Envelope<WireEvents[T]> & { type: T };

/** Whether an envelope is one of the named wire events, typing its payload by the contract. */
export function isWireEvent<T extends keyof WireEvents>(envelope: Envelope<unknown>, ...types: T[]): envelope is WireEnvelope<T> {
  return (types as string[]).includes(envelope.type);
}
