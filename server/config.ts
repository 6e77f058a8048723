/**
 * Configuration is read once from the environment and validated before anything starts, so a
 * misconfigured deployment stops with one line per bad variable instead of failing later.
 */
export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  host: string;
  port: number;
  databaseUrl: string;
  /** Connections per process; 1 for an embedded PGlite, which runs one session. */
  databasePoolMax: number;
  redisUrl: string;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  logLevel: string;
  storageDir: string;
  uploadLimitBytes: number;
  corsOrigins: string[];
  smtpUrl: string | null;
  /** Where people reach the app: the origin of links in account mail (password resets). */
  publicUrl: string;
  whatsappApiUrl: string | null;
  whatsappToken: string | null;
  runWorkers: boolean;
  /**
   * Hear the database's NOTIFYs (LISTEN connections on PostgreSQL, the session itself on the
   * embedded PGlite): they wake the outbox dispatcher at each commit and keep the access cache
   * true. False: the dispatcher polls only and every access check asks the database.
   */
  outboxListen: boolean;
  /** How often the outbox dispatcher looks without being woken: the safety net for a missed NOTIFY. */
  outboxPollMs: number;
  /** Prefix for BullMQ and other Redis keys, so tests and several deployments can share a Redis. */
  redisPrefix: string;
  clientDir: string | null;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'test', 'production'], 'development', problems);

  const config: Config = {
    nodeEnv,
    host: env.HOST ?? '0.0.0.0',
    port: integer(env, 'PORT', 3000, 0, 65535, problems),
    databaseUrl: required(env, 'DATABASE_URL', problems, /^postgres(ql)?:\/\//, 'a postgres:// URL'),
    databasePoolMax: integer(env, 'DB_POOL_MAX', 10, 1, 200, problems),
    redisUrl: pattern(env, 'REDIS_URL', 'redis://127.0.0.1:6379', /^rediss?:\/\//, 'a redis:// URL', problems),
    jwtSecret: required(env, 'JWT_SECRET', problems),
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400, problems),
    refreshTokenTtlDays: integer(env, 'REFRESH_TOKEN_TTL_DAYS', 30, 1, 365, problems),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info', problems),
    storageDir: env.STORAGE_DIR ?? './data/storage',
    uploadLimitBytes: integer(env, 'UPLOAD_LIMIT_MB', 200, 1, 10_240, problems) * 1024 * 1024,
    corsOrigins: (env.CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    smtpUrl: optionalPattern(env, 'SMTP_URL', /^smtps?:\/\//, 'an smtp:// URL', problems),
    publicUrl: pattern(env, 'PUBLIC_URL', `http://localhost:${env.PORT || 3000}`, /^https?:\/\/[^/]+$/, 'an http(s):// origin without a path', problems),
    whatsappApiUrl: optionalPattern(env, 'WHATSAPP_API_URL', /^https?:\/\//, 'an http(s):// URL', problems),
    whatsappToken: env.WHATSAPP_TOKEN || null,
    runWorkers: boolean(env, 'RUN_WORKERS', true, problems),
    outboxListen: boolean(env, 'OUTBOX_LISTEN', true, problems),
    outboxPollMs: integer(env, 'OUTBOX_POLL_MS', 1000, 10, 3_600_000, problems),
    redisPrefix: env.REDIS_PREFIX ?? 'cuspid',
    clientDir: env.CLIENT_DIR ?? null,
  };
  if (config.jwtSecret && config.jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function required(env: Env, name: string, problems: string[], re?: RegExp, what?: string): string {
  const value = env[name];
  if (!value) {
    problems.push(`${name} is required`);
    return '';
  }
  if (re && !re.test(value)) problems.push(`${name} must be ${what}`);
  return value;
}

function pattern(env: Env, name: string, fallback: string, re: RegExp, what: string, problems: string[]): string {
  const value = env[name] || fallback;
  if (!re.test(value)) problems.push(`${name} must be ${what}`);
  return value;
}

function optionalPattern(env: Env, name: string, re: RegExp, what: string, problems: string[]): string | null {
  const value = env[name];
  if (!value) return null;
  if (!re.test(value)) problems.push(`${name} must be ${what}`);
  return value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T, problems: string[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }
  return raw as T;
}
