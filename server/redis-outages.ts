import type { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/**
 * Logs a Redis outage once when it starts and once when it ends. Without an `error` listener ioredis
 * and BullMQ print every failed reconnection to stderr (several a second during an outage); with a
 * plain one the log would get a line per retry instead. `alsoFrom` are the BullMQ producers that
 * re-emit the connection's errors.
 */
export function reportRedisOutages(logger: FastifyBaseLogger, name: string, connection: Redis, alsoFrom: EventEmitter[] = []): void {
  let down = false;
  const onError = (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err }, `${name}: Redis is unreachable; retrying until it answers`);
  };
  connection.on('error', onError);
  for (const emitter of alsoFrom) emitter.on('error', onError);
  connection.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info(`${name}: Redis answers again`);
  });
}
