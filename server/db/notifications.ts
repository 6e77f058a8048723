import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config';

/** The channels the migrations' triggers NOTIFY when a transaction commits. */
export const notifyChannels = {
  /** A transaction wrote outbox events (migration 0002). */
  outbox: 'cuspid_outbox',
  /** Memberships, users or orgs changed (migration 0008). */
  access: 'cuspid_access',
} as const;

export type NotifyChannel = (typeof notifyChannels)[keyof typeof notifyChannels];

export interface ChannelListener {
  /** A NOTIFY on the channel was heard. */
  notified(): void;
  /**
   * Every NOTIFY is heard from now on: called once listening starts, and again when a lost
   * connection is back (what was sent in between was missed).
   */
  listening(): void;
  /** NOTIFYs go unheard from now on, until `listening` again. */
  lost(err: unknown): void;
}

/**
 * Where a process hears the database's NOTIFYs: what wakes the outbox dispatcher at each commit
 * and tells the access cache to forget. PostgreSQL: a LISTEN connection per channel
 * (`postgresNotifications`); the embedded PGlite: its one session, read in process
 * (`embeddedNotifications`).
 */
export interface DatabaseNotifications {
  /** Starts hearing `channel`; resolves to the function that stops. */
  listen(channel: NotifyChannel, listener: ChannelListener): Promise<() => Promise<void>>;
}

/** On PostgreSQL: one connection of its own per listener, opened again a second after it is lost. */
export function postgresNotifications(url: string): DatabaseNotifications {
  return {
    async listen(channel, listener) {
      let current: pg.Client | null = null;
      let retry: NodeJS.Timeout | null = null;
      let stopped = false;
      const lost = (client: pg.Client, err: unknown) => {
        // A connection given up on may still report its end.
        if (current !== client) return;
        current = null;
        void client.end().catch(() => undefined);
        listener.lost(err);
        if (stopped) return;
        retry = setTimeout(() => {
          retry = null;
          void open();
        }, 1000);
        retry.unref();
      };
      const open = async () => {
        const client = new pg.Client({ connectionString: url });
        current = client;
        client.on('notification', () => listener.notified());
        client.on('error', (err) => lost(client, err));
        try {
          await client.connect();
          await client.query(`listen ${channel}`);
        } catch (err) {
          lost(client, err);
          return;
        }
        if (current === client && !stopped) listener.listening();
      };
      await open();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        const client = current;
        current = null;
        await client?.end().catch(() => undefined);
      };
    },
  };
}

/**
 * On the embedded PGlite. It runs one session, which every pooled connection shares through its
 * socket server, and PostgreSQL hands a session's NOTIFYs to its frontend in the answer to the
 * statement that committed: here, on the socket of whichever connection committed, where PGlite's
 * own `listen` callbacks never see them (they read only the answers to in-process queries). So the
 * socket server gets `socketView`, the same database with its answers read on their way out for
 * NotificationResponse messages; in-process answers reach the same listeners through `db.listen`.
 *
 * Every channel is LISTENed here, in process, before the socket server takes its first
 * connection: issued later it could land inside some connection's open transaction (PGlite
 * interleaves in-process queries between a connection's statements) and a rollback would undo it.
 * No pooled connection is ever held or waited for.
 */
export async function embeddedNotifications(db: PGlite): Promise<{ notifications: DatabaseNotifications; socketView: PGlite }> {
  const listeners = new Map<string, Set<ChannelListener>>();
  const heard = (channel: string) => {
    for (const listener of listeners.get(channel) ?? []) listener.notified();
  };
  for (const channel of Object.values(notifyChannels)) await db.listen(channel, () => heard(channel));

  const socketView = new Proxy(db, {
    get(target, property) {
      if (property === 'execProtocolRawStream') {
        const execute: PGlite['execProtocolRawStream'] = (message, options) => {
          const read = notificationReader(heard);
          return target.execProtocolRawStream(message, {
            ...options,
            onRawData: (data) => {
              read(data);
              options?.onRawData(data);
            },
          });
        };
        return execute;
      }
      // PGlite keeps its state in private fields: its methods must run on the database itself, not on the view.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });

  const notifications: DatabaseNotifications = {
    async listen(channel, listener) {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
      listener.listening();
      return async () => {
        listeners.get(channel)?.delete(listener);
      };
    },
  };
  return { notifications, socketView };
}

const notificationResponse = 0x41; // 'A'

/**
 * Reads a stream of PostgreSQL backend messages, in chunks cut anywhere, and reports the channel of
 * each NotificationResponse. Every other message is skipped by its length, never copied.
 */
export function notificationReader(heard: (channel: string) => void): (chunk: Uint8Array) => void {
  const header = Buffer.alloc(5);
  let headerLength = 0;
  /** Bytes of the current message's body not read yet. */
  let remaining = 0;
  /** The current message's body, while it is a NotificationResponse. */
  let body: Buffer[] | null = null;
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        header[headerLength++] = chunk[at++]!;
        if (headerLength < 5) continue;
        headerLength = 0;
        // The length counts itself but not the type byte.
        remaining = header.readInt32BE(1) - 4;
        body = header[0] === notificationResponse ? [] : null;
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      body?.push(Buffer.from(chunk.subarray(at, at + take)));
      at += take;
      remaining -= take;
      if (remaining === 0 && body) {
        // Body: the notifying backend's pid (int32), the channel, the payload (both NUL-terminated).
        const message = Buffer.concat(body);
        body = null;
        heard(message.toString('utf8', 4, message.indexOf(0, 4)));
      }
    }
  };
}

/**
 * The notifications a process hears, as configured: none with OUTBOX_LISTEN=false (the dispatcher
 * polls, every access check asks the database), the embedded PGlite's when it runs in this process,
 * else LISTEN connections to DATABASE_URL.
 */
export function configuredNotifications(config: Pick<Config, 'outboxListen' | 'databaseUrl'>, embedded?: DatabaseNotifications): DatabaseNotifications | null {
  if (!config.outboxListen) return null;
  return embedded ?? postgresNotifications(config.databaseUrl);
}
