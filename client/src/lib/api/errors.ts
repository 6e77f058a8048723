import type { ErrorBody, FieldProblem } from './types';

/**
 * What any failed API call throws: the HTTP status and the server's error body. A network failure
 * has status 0 and code `network`, so screens can say "cannot reach the server" rather than guess.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly error: string;
  readonly fields: FieldProblem[];
  /** Events the workflow allows now, sent with a refused transition (409 `transition_refused`). */
  readonly allowed: string[];
  readonly requestId: string | undefined;
  readonly body: ErrorBody;

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = 'ApiError';
    this.status = status;
    this.error = body.error;
    this.fields = body.fields ?? [];
    this.allowed = body.allowed ?? [];
    this.requestId = body.requestId;
    this.body = body;
  }

  static network(cause: unknown): ApiError {
    const error = new ApiError(0, { error: 'network', message: 'Cannot reach the Cuspid server. Check the connection and try again.' });
    (error as { cause?: unknown }).cause = cause;
    return error;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /**
   * Field messages keyed by field path as the server names them (`email`, `admin.password`,
   * `staffLimits.designer`), worded for people rather than for a JSON-schema validator.
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const problem of this.fields) out[problem.field] ??= humaniseFieldMessage(problem.message);
    return out;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

/** A sentence to show for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status >= 500) return error.requestId ? `Something went wrong on the server (reference ${error.requestId}). Try again.` : 'Something went wrong on the server. Try again.';
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

const validatorPhrases: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^must match format "email"$/, () => 'Enter a valid email address'],
  [/^must match format "date-time"$/, () => 'Enter a valid date and time'],
  [/^must match format "uuid"$/, () => 'Is not a valid reference'],
  [/^must NOT have fewer than 1 characters?$/, () => 'Required'],
  [/^must NOT have fewer than (\d+) characters$/, (m) => `Must be at least ${m[1]} characters`],
  [/^must NOT have more than (\d+) characters$/, (m) => `Must be at most ${m[1]} characters`],
  [/^must have required property '.*'$/, () => 'Required'],
  [/^must be >= (\d+)$/, (m) => `Must be ${m[1]} or more`],
  [/^must be <= (\d+)$/, (m) => `Must be ${m[1]} or less`],
  [/^must be integer$/, () => 'Must be a whole number'],
  [/^must be equal to one of the allowed values$/, () => 'Choose one of the options'],
];

export function humaniseFieldMessage(message: string): string {
  for (const [pattern, phrase] of validatorPhrases) {
    const match = message.match(pattern);
    if (match) return phrase(match);
  }
  // Service messages read as the end of a sentence ("must be at least 10 characters").
  return message.charAt(0).toUpperCase() + message.slice(1);
}
