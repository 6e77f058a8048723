import fp from 'fastify-plugin';
import { ValidationError, type FieldError } from '../shared/errors';

/** Finds NUL characters anywhere in a parsed input, naming the field as the error handler does. */
function nulFields(value: unknown, path: string, found: FieldError[]): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push({ field: path || '(root)', message: 'must not contain NUL characters' });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => nulFields(item, path ? `${path}.${i}` : String(i), found));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) nulFields(item, path ? `${path}.${key}` : key, found);
  }
}

/**
 * PostgreSQL cannot store a NUL character in text and answers with an error: refuse such input for
 * every route at once, before validation, as a 400 naming the field.
 */
export const inputHygienePlugin = fp(
  async (app) => {
    app.addHook('preValidation', async (request) => {
      const found: FieldError[] = [];
      nulFields(request.body, '', found);
      nulFields(request.query, 'query', found);
      nulFields(request.params, 'params', found);
      if (found.length) throw new ValidationError(found);
    });
  },
  { name: 'input-hygiene' },
);
