import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Config } from './config';
import { configuredNotifications, type DatabaseNotifications } from './db/notifications';
import { loggerOptions } from './logger';
import { dbPlugin } from './plugins/db';
import { redisPlugin } from './plugins/redis';
import { errorsPlugin } from './plugins/errors';
import { boundedCalendarFormats, inputHygienePlugin } from './plugins/input-hygiene';
import { closedBodiesPlugin } from './plugins/closed-bodies';
import { authPlugin } from './plugins/auth';
import { openapiPlugin } from './plugins/openapi';
import { clientPlugin } from './plugins/client';
import { AuthService } from './modules/auth/auth.service';
import { LoginThrottle } from './modules/auth/login-throttle';
import { authRoutes } from './modules/auth/auth.routes';
import { orgsRoutes } from './modules/orgs/orgs.routes';
import { auditRoutes } from './modules/audit/audit.routes';
import { healthRoutes } from './modules/health/health.routes';
import { labCasesRoutes } from './modules/lab-cases/lab-cases.routes';
import { displaysRoutes } from './modules/displays/displays.routes';
import { notificationsRoutes } from './modules/notifications/notifications.routes';
import type { Queues } from './queues';
import { AccountMail } from './modules/auth/account-mail';
import { SmtpSender } from './modules/notifications/providers';
import { patientsRoutes } from './modules/patients/patients.routes';
import { professionalsRoutes } from './modules/professionals/professionals.routes';
import { appointmentsRoutes } from './modules/appointments/appointments.routes';
import { visitsRoutes } from './modules/visits/visits.routes';
import { consultationsRoutes } from './modules/consultations/consultations.routes';
import { prescriptionsRoutes } from './modules/prescriptions/prescriptions.routes';
import { pharmacyRoutes } from './modules/pharmacy/pharmacy.routes';
import { queueRoutes } from './modules/queue/queue.routes';
import { displayForToken } from './modules/displays/displays.service';
import { realtimePlugin, type Credentials } from './modules/realtime/realtime.plugin';
import { socketChannel } from './modules/realtime/envelope';
import type { Topic } from './modules/realtime/topics';
import { labBoardTopic } from './modules/lab-cases/lab-cases.topics';
import { doctorQueueTopic, receptionTopic } from './modules/queue/queue.topics';
import { pharmacyTopic } from './modules/pharmacy/pharmacy.topics';
import { displayTopic, visitStatusTopic } from './modules/public-screens/public-screens.topics';
import { visitForStatusToken } from './modules/public-screens/public-screens.service';

export interface AppDeps {
  config: Config;
  orm: MikroORM;
  redis: Redis;
  /** Job producers: the retry button adds to the notifications queue. */
  queues: Queues;
  /** Where logs go; tests pass a stream they can scan for health data. */
  logStream?: NodeJS.WritableStream;
  /** The database's NOTIFYs, which keep the access cache true; by default as the config says (see `configuredNotifications`). */
  notifications?: DatabaseNotifications | null;
}

/** Every live screen a socket can subscribe to. */
const topics: Topic[] = [labBoardTopic, receptionTopic, doctorQueueTopic, pharmacyTopic, displayTopic, visitStatusTopic];

/** Screens without a login hold a token instead: a waiting-room display's or a patient's status page's. */
async function principalFromToken(auth: Record<string, unknown>, em: EntityManager): Promise<Credentials | null> {
  if (typeof auth.displayToken === 'string') {
    const display = await displayForToken(em, auth.displayToken);
    return display ? { principal: { kind: 'display', displayId: display.id, orgId: display.orgId }, expiresAt: null } : null;
  }
  if (typeof auth.statusToken === 'string') {
    const visit = await visitForStatusToken(em, auth.statusToken);
    return visit ? { principal: { kind: 'visit-status', visitId: visit.id, orgId: visit.orgId }, expiresAt: visit.expiresAt.getTime() } : null;
  }
  return null;
}

/** Builds the whole HTTP app without listening, so main, the tests and the benchmarks share it. */
export async function buildApp({ config, orm, redis, queues, logStream, notifications = configuredNotifications(config) }: AppDeps): Promise<FastifyInstance> {
  const logger = logStream ? { ...loggerOptions(config.logLevel), stream: logStream } : loggerOptions(config.logLevel);
  const app = Fastify({
    logger,
    // Audit rows keep the request id as evidence of which request did what: a client never chooses it.
    genReqId: () => randomUUID(),
    trustProxy: config.nodeEnv === 'production',
    bodyLimit: 1024 * 1024,
    // Unknown body fields are refused, never silently dropped (closed-bodies makes every body schema closed).
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false }, onCreate: boundedCalendarFormats },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Built once: @fastify/helmet rebuilds helmet's middleware, parsing the CSP, on every request
  // (measured on a hello route: 1.6x the throughput this way). Same headers either way.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'", 'ws:', 'wss:'],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) => securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)));
  // API answers carry names, records and screens' data: no browser or proxy may keep a copy (for
  // the next user of a shared desk computer, or the back button after sign-out). The request id
  // goes back so a caller can quote it to support.
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  // Same-origin by default; other browser origins only when listed in CORS_ORIGINS.
  await app.register(cors, { origin: config.corsOrigins.length ? config.corsOrigins : false, credentials: false });
  await app.register(errorsPlugin, { spaFallback: config.clientDir !== null });
  await app.register(inputHygienePlugin);
  await app.register(closedBodiesPlugin);
  await app.register(dbPlugin, { orm });
  await app.register(redisPlugin, { redis, queues });
  await app.register(authPlugin, { secret: config.jwtSecret, accessTokenTtlSeconds: config.accessTokenTtlSeconds, notifications });
  await app.register(openapiPlugin);
  await app.register(realtimePlugin, { redis, channel: socketChannel(config.redisPrefix), topics, principalFromToken, corsOrigins: config.corsOrigins });

  const auth = new AuthService({
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    refreshTokenTtlDays: config.refreshTokenTtlDays,
    signAccessToken: (userId, version) => app.jwt.sign({ sub: userId, typ: 'access', ver: version }),
    throttle: new LoginThrottle(redis, config.redisPrefix),
  });

  const smtp = config.smtpUrl ? new SmtpSender(config.smtpUrl) : null;
  if (smtp) app.addHook('onClose', () => smtp.close());
  const accountMail = new AccountMail(smtp, config.publicUrl, app.log, { redis, prefix: config.redisPrefix });

  await app.register(healthRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes, { auth, accountMail });
      await api.register(orgsRoutes, { accountMail });
      await api.register(auditRoutes);
      await api.register(labCasesRoutes, { storageDir: config.storageDir, uploadLimitBytes: config.uploadLimitBytes });
      await api.register(displaysRoutes);
      await api.register(notificationsRoutes, { queue: queues.notifications });
      // The clinic flow (issue 4).
      await api.register(patientsRoutes, { accountMail });
      await api.register(professionalsRoutes);
      await api.register(appointmentsRoutes);
      await api.register(visitsRoutes);
      await api.register(consultationsRoutes);
      await api.register(prescriptionsRoutes);
      await api.register(pharmacyRoutes);
      await api.register(queueRoutes);
    },
    { prefix: '/api/v1' },
  );
  if (config.clientDir) await app.register(clientPlugin, { root: config.clientDir });
  return app;
}
