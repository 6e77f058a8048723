/** Advisory lock keys of the outbox, shared by the migration's trigger and the dispatcher. */

/** Held shared by each transaction writing outbox rows; taken exclusively by the dispatcher for an instant. */
export const outboxWriterLock = 0x0c05_b1d1;

/** Whoever holds this one publishes; other dispatchers stand by. */
export const outboxDispatcherLock = 0x0c05_b1d0;
