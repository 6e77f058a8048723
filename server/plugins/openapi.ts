import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { ErrorBody } from '../shared/http-schemas';

/** OpenAPI 3 generated from the route schemas; registered before the routes so it sees them all. */
export const openapiPlugin = fp(
  async (app) => {
    app.addSchema(ErrorBody);
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Cuspid API', version: '1.0.0', description: 'Realtime queues and workflows for dental labs and clinics' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
        security: [{ bearer: [] }],
      },
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string) ?? `def-${i}` },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/api/v1/openapi.json', {
      config: { access: 'public' },
      schema: { hide: true },
      handler: async () => app.swagger(),
    });
  },
  { name: 'openapi' },
);
