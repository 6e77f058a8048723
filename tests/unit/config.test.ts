import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config';

const valid = { DATABASE_URL: 'postgresql://localhost/cuspid', JWT_SECRET: 'a'.repeat(32) };

describe('loadConfig', () => {
  it('fills defaults around the required variables', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({ port: 3000, redisUrl: 'redis://127.0.0.1:6379', accessTokenTtlSeconds: 900, uploadLimitBytes: 200 * 1024 * 1024 });
  });

  it('names every missing or bad variable at once', () => {
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://x', UPLOAD_LIMIT_MB: '-1' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['DATABASE_URL', 'JWT_SECRET', 'PORT', 'REDIS_URL', 'UPLOAD_LIMIT_MB']) expect(problems).toContain(name);
    }
  });

  it('refuses a short JWT secret', () => {
    expect(() => loadConfig({ ...valid, JWT_SECRET: 'short' })).toThrow(/at least 32/);
  });
});
