import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const windowSeconds = 15 * 60;
const maxFailuresPerAccount = 5;
const maxFailuresPerIp = 30;

/**
 * Counts failed logins per email and per IP in Redis. Emails are counted whether or not an
 * account exists, so the lockout itself does not reveal which accounts exist.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async isLocked(email: string, ip: string): Promise<boolean> {
    const [byEmail, byIp] = await this.redis.mget(this.emailKey(email), this.ipKey(ip));
    return Number(byEmail ?? 0) >= maxFailuresPerAccount || Number(byIp ?? 0) >= maxFailuresPerIp;
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.emailKey(email))
      .expire(this.emailKey(email), windowSeconds)
      .incr(this.ipKey(ip))
      .expire(this.ipKey(ip), windowSeconds)
      .exec();
  }

  async recordSuccess(email: string): Promise<void> {
    await this.redis.del(this.emailKey(email));
  }

  private emailKey(email: string): string {
    return `${this.prefix}:login-fail:email:${createHash('sha256').update(email).digest('hex')}`;
  }

  private ipKey(ip: string): string {
    return `${this.prefix}:login-fail:ip:${ip}`;
  }
}
