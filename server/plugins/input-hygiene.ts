import fp from 'fastify-plugin';
import type Ajv from 'ajv';
import { invalid, ValidationError, type FieldError } from '../shared/errors';

/** Far deeper than any body this API takes; deeper input is an attack on whatever walks it next. */
const maxJsonDepth = 64;

/** How deeply `text` nests arrays and objects, stopping once past `limit`; brackets inside strings do not count. */
function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Every value of a parsed input that `problem` objects to, naming the field as the error handler
 * does; iterative, so no input can exhaust the stack.
 */
function badFields(input: unknown, root: string, problem: (value: unknown) => string | null): FieldError[] {
  const found: FieldError[] = [];
  const pending: { value: unknown; path: string }[] = [{ value: input, path: root }];
  while (pending.length) {
    const { value, path } = pending.pop()!;
    const message = problem(value);
    if (message) found.push({ field: path || '(root)', message });
    else if (value && typeof value === 'object') {
      // Pushed last to first, so fields are named in the order the client wrote them.
      for (const [key, item] of Object.entries(value).reverse()) pending.push({ value: item, path: path ? `${path}.${key}` : key });
    }
  }
  return found;
}

const nul = (value: unknown) => (typeof value === 'string' && value.includes('\u0000') ? 'must not contain NUL characters' : null);
// Ajv turns the text 'Infinity' or '1e999' into a number for an integer or number field and then
// skips its minimum and maximum, which hold only for finite numbers.
const infinite = (value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? 'must be a finite number' : null);

/** The years a date or instant may fall in (see `boundedCalendarFormats`). */
const calendarYears = { first: 1000, last: 9998 };

/**
 * Holds ajv's `date` and `date-time` formats to `calendarYears`, so a date outside them is a 400
 * naming the field rather than a database error: PostgreSQL refuses year 0 and cannot read the
 * six-digit years JavaScript writes after 9999, and a day becomes instants in the org's zone,
 * which can cross into the next year. No birth, booking, due date or audit range needs more.
 */
export function boundedCalendarFormats(ajv: Ajv): void {
  for (const name of ['date', 'date-time']) {
    const format = ajv.formats[name] as { validate: (text: string) => boolean; compare: (a: string, b: string) => number | undefined };
    ajv.addFormat(name, {
      ...format,
      validate: (text: string) => {
        const year = Number(text.slice(0, 4));
        return year >= calendarYears.first && year <= calendarYears.last && format.validate(text);
      },
    });
  }
}

/**
 * Input refused for every route at once, as a 400 naming the field: JSON nested deeper than any
 * body needs (checked on the raw text, before parsing) and NUL characters, which PostgreSQL cannot
 * store in text, before validation; after it, numbers that are not finite.
 */
export const inputHygienePlugin = fp(
  async (app) => {
    // Fastify's own parser (prototype-poisoning checks included) once the depth is known to be sane.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (exceedsDepth(body as string, maxJsonDepth)) return done(invalid('(root)', `is nested too deeply (more than ${maxJsonDepth} levels)`), undefined);
      parseJson(request, body as string, done);
    });
    app.addHook('preValidation', async (request) => {
      const found = [...badFields(request.body, '', nul), ...badFields(request.query, 'query', nul), ...badFields(request.params, 'params', nul)];
      if (found.length) throw new ValidationError(found);
    });
    app.addHook('preHandler', async (request) => {
      const found = [...badFields(request.body, '', infinite), ...badFields(request.query, 'query', infinite)];
      if (found.length) throw new ValidationError(found);
    });
  },
  { name: 'input-hygiene' },
);
