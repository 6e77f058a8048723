import fp from 'fastify-plugin';
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

/** Finds NUL characters anywhere in a parsed input, naming the field as the error handler does; iterative, so no input can exhaust the stack. */
function nulFields(input: unknown, root: string): FieldError[] {
  const found: FieldError[] = [];
  const pending: { value: unknown; path: string }[] = [{ value: input, path: root }];
  while (pending.length) {
    const { value, path } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) found.push({ field: path || '(root)', message: 'must not contain NUL characters' });
    } else if (value && typeof value === 'object') {
      // Pushed last to first, so fields are named in the order the client wrote them.
      for (const [key, item] of Object.entries(value).reverse()) pending.push({ value: item, path: path ? `${path}.${key}` : key });
    }
  }
  return found;
}

/**
 * Input refused for every route at once, before validation, as a 400 naming the field: JSON nested
 * deeper than any body needs (checked on the raw text, before parsing), and NUL characters, which
 * PostgreSQL cannot store in text and answers with an error.
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
      const found = [...nulFields(request.body, ''), ...nulFields(request.query, 'query'), ...nulFields(request.params, 'params')];
      if (found.length) throw new ValidationError(found);
    });
  },
  { name: 'input-hygiene' },
);
