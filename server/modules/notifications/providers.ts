import { createTransport, type Transporter } from 'nodemailer';
import { UnrecoverableError } from 'bullmq';
import type { Message } from './templates';

/** A way to reach someone. Another provider (SMS, another WhatsApp vendor) implements the same. */
export interface Sender {
  send(to: string, message: Message): Promise<void>;
}

/**
 * Pooled: a few connections reused across messages, instead of a TCP (and TLS) handshake per
 * message against the real server. `close()` ends them; the worker calls it on shutdown.
 */
export class SmtpSender implements Sender {
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from = 'Cuspid <no-reply@cuspid.app>') {
    this.transport = createTransport({ url: smtpUrl, pool: true, maxConnections: 5 });
  }

  async send(to: string, message: Message): Promise<void> {
    await this.transport.sendMail({ from: this.from, to, subject: message.subject, text: message.text });
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * An HTTP provider shaped like the WhatsApp Cloud API (`POST {base}/messages`, bearer token,
 * `{ messaging_product, to, type: 'text', text: { body } }`). A 4xx other than 429 means the
 * request itself is wrong (bad number, no template): retrying cannot help.
 */
export class WhatsAppCloudSender implements Sender {
  constructor(
    private readonly apiUrl: string,
    private readonly token: string | null,
  ) {}

  async send(to: string, message: Message): Promise<void> {
    const response = await fetch(`${this.apiUrl.replace(/\/$/, '')}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify({ messaging_product: 'whatsapp', to: to.replace(/^\+/, ''), type: 'text', text: { body: message.text } }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.ok) return;
    const reason = `WhatsApp provider answered ${response.status}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw new UnrecoverableError(reason);
    throw new Error(reason);
  }
}
