/**
 * The one family of domain errors. Services throw these; one error handler maps them to HTTP, so
 * domain code never knows about status codes beyond this table.
 */
export type FieldError = { field: string; message: string };

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(readonly fields: FieldError[]) {
    super('validation_failed', 400, `Invalid ${fields.map((f) => f.field).join(', ')}`, { fields });
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'Authentication required') {
    super('unauthenticated', 401, message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Your role does not allow this') {
    super('forbidden', 403, message);
  }
}

/** Also used for another tenant's rows: their existence is not ours to reveal. */
export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', 404, `${what} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, 409, message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  constructor(limitBytes: number) {
    super('payload_too_large', 413, `File exceeds the limit of ${Math.round(limitBytes / 1024 / 1024)} MB`);
  }
}

export class UnsupportedMediaError extends DomainError {
  constructor(message: string) {
    super('unsupported_media_type', 415, message);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(message: string) {
    super('too_many_requests', 429, message);
  }
}

export function invalid(field: string, message: string): ValidationError {
  return new ValidationError([{ field, message }]);
}
