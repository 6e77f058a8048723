import fp from 'fastify-plugin';

type JsonSchema = Record<string, unknown>;

/**
 * Where in `schema` an object accepts fields it does not name, as JSON paths ('' for the body
 * itself). A Record's patternProperties are fine when the object still forbids any other field.
 */
function openObjects(schema: unknown): string[] {
  const open: string[] = [];
  const pending: { node: unknown; path: string }[] = [{ node: schema, path: '' }];
  while (pending.length) {
    const { node, path } = pending.pop()!;
    if (!node || typeof node !== 'object') continue;
    const s = node as JsonSchema;
    if (typeof s.$ref === 'string') {
      open.push(`${path || '(body)'} ($ref ${s.$ref}: inline it so its fields can be checked)`);
      continue;
    }
    const isObject = s.type === 'object' || (Array.isArray(s.type) && s.type.includes('object')) || 'properties' in s || 'patternProperties' in s;
    if (isObject && s.additionalProperties !== false) open.push(path || '(body)');
    for (const [name, child] of Object.entries((s.properties ?? {}) as JsonSchema)) pending.push({ node: child, path: `${path}.${name}` });
    for (const [pattern, child] of Object.entries((s.patternProperties ?? {}) as JsonSchema)) pending.push({ node: child, path: `${path}[${pattern}]` });
    if (typeof s.additionalProperties === 'object') pending.push({ node: s.additionalProperties, path: `${path}[*]` });
    for (const child of Array.isArray(s.items) ? s.items : [s.items]) pending.push({ node: child, path: `${path}[]` });
    // A body declared per content type (`content: { 'application/json': { schema } }`).
    for (const [type, media] of Object.entries((s.content ?? {}) as Record<string, { schema?: unknown }>)) pending.push({ node: media.schema, path: `${path}(${type})` });
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      if (Array.isArray(s[key])) (s[key] as unknown[]).forEach((child, i) => pending.push({ node: child, path: `${path}<${key}.${i}>` }));
    }
  }
  return open;
}

/**
 * Every request body names its fields: the server refuses to start while a route's body schema has
 * an object without `additionalProperties: false`. Ajv then answers an unknown field with a 400
 * naming it, so no service can be handed a field (an org id, a status, a deletion mark) that its
 * route never meant to take, and a new route cannot forget to close its body.
 */
export const closedBodiesPlugin = fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const body = (route.schema as { body?: unknown } | undefined)?.body;
      if (body === undefined) return;
      const open = openObjects(body);
      if (open.length) {
        throw new Error(`${String(route.method)} ${route.url}: the body schema must be closed (additionalProperties: false) at ${open.join(', ')}`);
      }
    });
  },
  { name: 'closed-bodies' },
);
