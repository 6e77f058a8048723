/**
 * Child process: many socket clients in one process, apart from the server's. `live` clients are
 * the app's shared LiveClient (client/src/lib/live/live-client.ts) over WebSocket only, each
 * subscribed to one topic (snapshot, then events in sequence); `bare` clients are plain
 * socket.io-client sockets of the bare Socket.IO baseline. For every event it records when the
 * first and the last of its clients received it (monotonic ms, comparable with the other processes).
 */
import { io, type Socket } from 'socket.io-client';
import { LiveClient, type Topic } from '../../client/src/lib/live/live-client';
import { nowMs } from './common';
import { announce, serveRequests } from './child';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { instrumentProcess } from './instruments';

interface Receipt {
  count: number;
  first: number;
  last: number;
}

const live: LiveClient[] = [];
const bare: Socket[] = [];
let receipts = new Map<string, Receipt>();
let unexpected = 0;

function record(key: string): void {
  const at = nowMs();
  const r = receipts.get(key);
  if (r) {
    r.count++;
    r.last = at;
  } else receipts.set(key, { count: 1, first: at, last: at });
}

const keyOf = (payload: { caseId?: string; version?: number; key?: string } | undefined) =>
  payload?.key ?? (payload?.caseId ? `${payload.caseId}@${payload.version}` : null);

/** Runs `work` for `count` items with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

function openLive(url: string, auth: Record<string, unknown>, topic: Topic, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = new LiveClient({ url, auth: () => auth, transports: ['websocket'] });
    live.push(client);
    const timer = setTimeout(() => reject(new Error('no snapshot in time')), timeoutMs);
    client.watch(topic, {
      snapshot: () => {
        clearTimeout(timer);
        resolve();
      },
      event: (envelope) => {
        const key = keyOf(envelope.payload as { caseId?: string; version?: number });
        if (key) record(key);
        else unexpected++;
      },
      refused: (error) => {
        clearTimeout(timer);
        reject(new Error(`refused: ${error}`));
      },
    });
  });
}

function openBare(url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], reconnection: true });
    bare.push(socket);
    const timer = setTimeout(() => reject(new Error('no connect in time')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.on('event', (envelope: { payload?: { key?: string } }) => {
      const key = keyOf(envelope?.payload);
      if (key) record(key);
      else unexpected++;
    });
  });
}

serveRequests(
  {
    ...instrumentProcess(monitorEventLoopDelay({ resolution: 5 })),
    connect: async (args) => {
      const { url, count, mode, auth, topic, concurrency } = args as {
        url: string;
        count: number;
        mode: 'live' | 'bare';
        auth?: Record<string, unknown>;
        topic?: Topic;
        concurrency?: number;
      };
      const started = nowMs();
      let failed = 0;
      let firstError: string | null = null;
      await pool(count, concurrency ?? 100, async () => {
        try {
          if (mode === 'live') await openLive(url, auth ?? {}, topic!, 120_000);
          else await openBare(url, 60_000);
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
        }
      });
      return { opened: count - failed, failed, firstError, seconds: (nowMs() - started) / 1000, total: live.length + bare.length };
    },
    'records-start': () => {
      receipts = new Map();
      unexpected = 0;
    },
    'records-stop': () => ({ receipts: [...receipts.entries()].map(([key, r]) => ({ key, ...r })), unexpected }),
    connected: () => live.filter((c) => c.socket.connected).length + bare.filter((s) => s.connected).length,
    'close-all': async () => {
      for (const client of live.splice(0)) client.close();
      for (const socket of bare.splice(0)) socket.close();
    },
  },
  async () => {
    for (const client of live) client.close();
    for (const socket of bare) socket.close();
  },
);
announce('ready', { pid: process.pid });
