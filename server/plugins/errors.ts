import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import {
  DriverException,
  OptimisticLockError,
  UniqueConstraintViolationException,
  ConnectionException,
} from '@mikro-orm/core';
import { DomainError, type FieldError } from '../shared/errors';

interface AjvIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/**
 * Names each bad field the way a client wrote it (`dueDate`, `toothNumbers.2`, `query.limit`), once:
 * a union such as `string | null` fails every branch, and the first reason is the telling one.
 */
function fieldErrors(issues: AjvIssue[], context: string | undefined): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const issue of issues) {
    const path = issue.instancePath.split('/').filter(Boolean);
    if (typeof issue.params.missingProperty === 'string') path.push(issue.params.missingProperty);
    const unknown = typeof issue.params.additionalProperty === 'string';
    if (unknown) path.push(issue.params.additionalProperty as string);
    const prefix = context && context !== 'body' ? `${context === 'querystring' ? 'query' : context}.` : '';
    const field = `${prefix}${path.join('.') || '(root)'}`;
    const message = unknown ? 'is not a field this request accepts' : (issue.message ?? 'is invalid');
    if (!byField.has(field)) byField.set(field, { field, message });
  }
  return [...byField.values()];
}

/** pg's words (no SQLSTATE) for a connection that died under a query: PostgreSQL restarted, or the network. */
const lostConnection = /Connection terminated|Client has encountered a connection error|is not queryable/;

function isUnavailable(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const { code, message } = error as { code?: string; message?: unknown };
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'ETIMEDOUT' || code === '57P01' || code === '57P02' || code === '57P03') return true;
  // SQLSTATE class 08: connection exceptions.
  if (typeof code === 'string') return code.startsWith('08');
  // Knex puts the SQL (with its values) before the reason: look at the reason only.
  return typeof message === 'string' && lostConnection.test(message.slice(message.lastIndexOf(' - ') + 1));
}

/** busboy's plain Error (no code) for a multipart body that ends before its closing boundary. */
function isTruncatedMultipart(error: unknown): boolean {
  return Object.getPrototypeOf(error) === Error.prototype && /unexpected end of multipart data/i.test((error as Error).message);
}

/** ioredis gave up on a command: Redis (login throttling, job queues) is down or unreachable. */
function isRedisUnavailable(error: unknown): boolean {
  const { name, message } = error as { name?: string; message?: unknown };
  return name === 'MaxRetriesPerRequestError' || message === 'Connection is closed.';
}

/**
 * The one place errors become HTTP answers. 4xx bodies explain; 5xx bodies are generic and the
 * details go to the log with the request id, so nothing internal leaks to the client.
 */
export const errorsPlugin = fp<{ spaFallback: boolean }>(
  async (app, { spaFallback }) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        const fields = fieldErrors(error.validation as AjvIssue[], error.validationContext);
        return reply.status(400).send({
          error: 'validation_failed',
          message: `Invalid ${fields.map((f) => f.field).join(', ')}`,
          fields,
        });
      }
      if (isTruncatedMultipart(error)) {
        return reply.status(400).send({
          error: 'validation_failed',
          message: 'Invalid (root)',
          fields: [{ field: '(root)', message: 'ends before its closing multipart boundary: the upload was cut short' }],
        });
      }
      if (error instanceof DomainError) {
        return reply.status(error.status).send({ error: error.code, message: error.message, ...error.details });
      }
      if (error instanceof OptimisticLockError) {
        return reply.status(409).send({ error: 'stale_version', message: 'Someone else changed this first; reload and try again' });
      }
      if (error instanceof UniqueConstraintViolationException) {
        return reply.status(409).send({ error: 'conflict', message: 'A record with the same unique value already exists' });
      }
      if (isUnavailable(error) || (error instanceof DriverException && isUnavailable(error.cause ?? {}))) {
        request.log.error({ err: error }, 'database unavailable');
        return reply.status(503).send({ error: 'service_unavailable', message: 'The database is unavailable; retry in a few seconds' });
      }
      if (isRedisUnavailable(error)) {
        request.log.error({ err: error }, 'redis unavailable');
        return reply.status(503).send({ error: 'service_unavailable', message: 'A service this needs is unavailable; retry in a few seconds' });
      }
      const status = error.statusCode ?? 500;
      if (status < 500) {
        return reply.status(status).send({ error: error.code ?? 'bad_request', message: error.message });
      }
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'Internal server error', requestId: request.id });
    });
    // The one not-found handler: a client route (e.g. /lab/board) deep-links into the built app.
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0]!;
      if (spaFallback && request.method === 'GET' && !path.startsWith('/api/') && !path.startsWith('/socket.io') && !path.includes('.')) {
        return reply.sendFile('index.html');
      }
      return reply.status(404).send({ error: 'not_found', message: `No route ${request.method} ${path}` });
    });
  },
  { name: 'errors' },
);
