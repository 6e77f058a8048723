import type { LoggerOptions } from 'pino';

/**
 * Health data must never reach the logs. Request bodies are not logged at all; these paths cover
 * objects a handler might log by mistake, and database errors are reduced to their reason because
 * their messages quote SQL parameters (names, phones).
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  '*.password',
  '*.passwordHash',
  '*.refreshToken',
  '*.accessToken',
  '*.patientName',
  '*.fullName',
  '*.phone',
  '*.email',
  '*.notes',
  '*.adjustmentNotes',
  '*.medicalHistory',
  '*.address',
  '*.diagnosis',
  '*.vitals',
  'err.detail',
  'err.parameters',
  'err.params',
  'err.sql',
];

function serializeError(error: Error & { code?: string; sqlState?: string; statusCode?: number }) {
  // MikroORM prefixes driver messages with the SQL it ran (values inlined): keep only the reason.
  const message = error.message.includes(' - ') ? error.message.slice(error.message.lastIndexOf(' - ') + 3) : error.message;
  return { type: error.name, message, code: error.code ?? error.sqlState, statusCode: error.statusCode, stack: error.stack?.split('\n').slice(1, 8).join('\n') };
}

/** Query strings carry search text (patient names, phones): log the path only. */
function serializeRequest(request: { method: string; url: string; id: string; ip?: string }) {
  return { id: request.id, method: request.method, path: request.url.split('?')[0], ip: request.ip };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: serializeError, req: serializeRequest },
  };
}
