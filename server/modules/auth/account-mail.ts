import { createHash } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Sender } from '../notifications/providers';

/** How often one address may be told of a registration tried with it. */
const registrationAttemptWindowSeconds = 60 * 60;

/**
 * Mail about a person's account rather than a clinic's or lab's work: password resets, a
 * registration tried with an address that already has an account, an invitation to an org. Sent
 * after the request's transaction commits and never awaited by it, so how long sending takes (or
 * whether there was anything to send) tells a caller nothing about which accounts exist. Without
 * SMTP configured nothing is sent and the log says so, without the address or any link.
 */
export class AccountMail {
  constructor(
    private readonly sender: Sender | null,
    private readonly publicUrl: string,
    private readonly logger: FastifyBaseLogger,
    private readonly limits: { redis: Redis; prefix: string },
  ) {}

  passwordReset(to: string, token: string): void {
    const link = `${this.publicUrl}/reset-password#token=${encodeURIComponent(token)}`;
    this.deliver('password-reset', to, {
      subject: 'Reset your Cuspid password',
      text: `Someone asked to reset the password of your Cuspid account. To choose a new password, open this link within 30 minutes:\n\n${link}\n\nThe link works once. If it was not you, ignore this message: your password stays as it is.`,
    });
  }

  /**
   * Anyone can ask for this one, for any address, as often as they like (registration is public):
   * an address gets it at most once an hour, so nobody can fill a person's inbox through Cuspid.
   */
  registrationAttempt(to: string, orgName: string): void {
    const key = `${this.limits.prefix}:account-mail:registration-attempt:${createHash('sha256').update(to).digest('hex')}`;
    this.limits.redis
      .set(key, '1', 'EX', registrationAttemptWindowSeconds, 'NX')
      .then((first) => {
        if (!first) return;
        this.deliver('registration-attempt', to, {
          subject: 'Someone tried to register with your email',
          text: `Someone tried to register at ${orgName} with this email address, which already has a Cuspid account. If it was you, sign in with your password (or reset it) instead. If it was not, you need do nothing.`,
        });
      })
      .catch((err: unknown) => this.logger.warn({ err, kind: 'registration-attempt' }, 'account mail not sent: its limit could not be checked'));
  }

  invitation(to: string, orgName: string): void {
    this.deliver('invitation', to, {
      subject: `${orgName} invited you to Cuspid`,
      text: `${orgName} invited you to join them on Cuspid. Sign in with your existing account at ${this.publicUrl}/ and accept the invitation from your account menu. If you have never reset your password with a link we mailed you, do that first (“Forgot your password?” on the sign-in page): it shows the address is yours.`,
    });
  }

  private deliver(kind: string, to: string, message: { subject: string; text: string }): void {
    if (!this.sender) {
      this.logger.info({ kind }, 'account mail not sent: SMTP_URL is not set');
      return;
    }
    this.sender.send(to, message).catch((err: unknown) => this.logger.warn({ err, kind }, 'account mail failed'));
  }
}
