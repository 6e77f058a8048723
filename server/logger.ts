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
  '*.allergies',
  '*.allergyOverride',
  '*.acknowledgeAllergies',
  'err.detail',
  'err.parameters',
  'err.params',
  'err.sql',
];

function serializeError(error: Error & { code?: string; sqlState?: string; statusCode?: number }) {
  if (typeof error?.message !== 'string') return { message: String(error) };
  // Knex prefixes driver messages with the SQL it ran (values inlined, often over several lines:
  // `<sql> - <reason>`) and MikroORM appends PostgreSQL's DETAIL and HINT (`\n - detail: Key (phone)=...`):
  // keep only the reason, which names columns and constraints.
  const withoutDetail = error.message.replace(/\n - (detail|hint): [\s\S]*$/, '');
  const reason = withoutDetail.includes(' - ') ? withoutDetail.slice(withoutDetail.lastIndexOf(' - ') + 3) : withoutDetail;
  const message = reason.split('\n')[0]!;
  const frames = error.stack?.split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(0, 8);
  return { type: error.name, message, code: error.code ?? error.sqlState, statusCode: error.statusCode, stack: frames?.join('\n') };
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
