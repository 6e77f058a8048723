/**
 * The fan-out measurement shared by the fanout and multinode scenarios: changes are sent over HTTP
 * at a fixed rate; client processes record when each change's event reached their first and last
 * client; the server processes record when each broadcast began and how long writing it took. All
 * timestamps are CLOCK_MONOTONIC milliseconds, comparable across the processes of this machine.
 */
import { nowMs, quantile, round, sleep } from './common';
import type { Child } from './child';
import type { BroadcastTiming } from './instruments';

export interface Change {
  key: string;
  sentAt: number;
  /** When the HTTP answer arrived. */
  answeredAt: number;
  ok: boolean;
}

/**
 * Sends `rate` changes per second for `seconds` on a fixed schedule (a slow answer does not delay
 * the next change); `send` returns the change's key (known before the request is sent) and a
 * promise of its success.
 */
export async function driveChanges(rate: number, seconds: number, send: () => { key: string; done: Promise<boolean> }): Promise<Change[]> {
  const changes: Change[] = [];
  const pending: Promise<unknown>[] = [];
  const count = Math.round(rate * seconds);
  const start = nowMs();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 0) await sleep(wait);
    const sentAt = nowMs();
    const { key, done } = send();
    const change: Change = { key, sentAt, answeredAt: Number.NaN, ok: false };
    changes.push(change);
    pending.push(
      done.then(
        (ok) => {
          change.ok = ok;
          change.answeredAt = nowMs();
        },
        () => (change.ok = false),
      ),
    );
  }
  await Promise.all(pending);
  return changes;
}

interface Receipt {
  key: string;
  count: number;
  first: number;
  last: number;
}

export interface FanoutFigures {
  clients: number;
  changes: number;
  failedChanges: number;
  /** Share of (change x client) deliveries that arrived. */
  delivered: number;
  /** Change sent -> the last client received it, ms. */
  lastMs: { p50: number; p99: number; max: number; mean: number };
  /** Change sent -> the first client received it, ms. */
  firstMs: { p50: number; p99: number; max: number };
  /** Change sent -> its HTTP answer, ms. */
  httpMs: { p50: number; p99: number; max: number };
  /** Change sent -> the server had written it to every one of its sockets, ms: the server's part, without the clients' drain. */
  serverDoneMs: { p50: number; p99: number; max: number } | null;
  /** Change sent -> the server began writing the broadcast, ms (the pipeline before fan-out). */
  pipelineMs: { p50: number; p99: number; max: number } | null;
  /** How long one broadcast's writes to every local socket took, ms, and per recipient in microseconds. */
  broadcastWriteMs: { p50: number; p99: number; max: number } | null;
  usPerRecipient: number | null;
  /** Last-client latency divided by the clients, microseconds: comparable with the ~5 us anchor. */
  lastUsPerClient: number;
}

/** Waits until every change reached every client (or `timeoutMs`), then merges the records. */
export async function collect(
  clients: Child[],
  expectedPerChange: number,
  changes: Change[],
  servers: Child[],
  timeoutMs = 60_000,
): Promise<{ figures: FanoutFigures; broadcasts: BroadcastTiming[] }> {
  const deadline = nowMs() + timeoutMs;
  let merged = new Map<string, Receipt>();
  let lastTotal = -1;
  let lastProgress = nowMs();
  for (;;) {
    merged = new Map();
    // Peek without resetting: records-stop returns the map, records-start is only called before a window.
    for (const client of clients) {
      const { receipts } = await client.call<{ receipts: Receipt[] }>('records-stop');
      for (const r of receipts) {
        const m = merged.get(r.key);
        if (!m) merged.set(r.key, { ...r });
        else {
          m.count += r.count;
          m.first = Math.min(m.first, r.first);
          m.last = Math.max(m.last, r.last);
        }
      }
    }
    const complete = changes.every((c) => !c.ok || (merged.get(c.key)?.count ?? 0) >= expectedPerChange);
    const total = [...merged.values()].reduce((a, r) => a + r.count, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      lastProgress = nowMs();
    }
    // Done, out of time, or nothing arrived for 5 s (lost deliveries are then counted as such).
    if (complete || nowMs() > deadline || nowMs() - lastProgress > 5000) break;
    await sleep(250);
  }
  const broadcasts = (await Promise.all(servers.map((s) => s.call<BroadcastTiming[]>('broadcasts-stop')))).flat();
  const ok = changes.filter((c) => c.ok);
  const last: number[] = [];
  const first: number[] = [];
  const pipeline: number[] = [];
  const serverDone: number[] = [];
  let deliveredCount = 0;
  for (const change of ok) {
    const r = merged.get(change.key);
    deliveredCount += Math.min(r?.count ?? 0, expectedPerChange);
    if (r && r.count >= expectedPerChange) last.push(r.last - change.sentAt);
    if (r) first.push(r.first - change.sentAt);
    const b = broadcasts.filter((x) => x.key === change.key);
    if (b.length) {
      pipeline.push(Math.min(...b.map((x) => x.at)) - change.sentAt);
      serverDone.push(Math.max(...b.map((x) => x.at + x.ms)) - change.sentAt);
    }
  }
  const writes = broadcasts.filter((b) => b.recipients > 0);
  const s = (values: number[]) => ({ p50: round(quantile(values, 0.5)), p99: round(quantile(values, 0.99)), max: round(values.length ? Math.max(...values) : Number.NaN) });
  const recipients = writes.reduce((a, b) => a + b.recipients, 0);
  const figures: FanoutFigures = {
    clients: expectedPerChange,
    changes: changes.length,
    failedChanges: changes.length - ok.length,
    delivered: round(deliveredCount / Math.max(1, ok.length * expectedPerChange), 4),
    lastMs: { ...s(last), mean: round(last.reduce((a, b) => a + b, 0) / (last.length || 1)) },
    firstMs: s(first),
    httpMs: s(ok.map((c) => c.answeredAt - c.sentAt)),
    serverDoneMs: serverDone.length ? s(serverDone) : null,
    pipelineMs: pipeline.length ? s(pipeline) : null,
    broadcastWriteMs: writes.length ? s(writes.map((w) => w.ms)) : null,
    usPerRecipient: writes.length ? round((writes.reduce((a, b) => a + b.ms, 0) * 1000) / recipients, 2) : null,
    lastUsPerClient: round((quantile(last, 0.5) * 1000) / expectedPerChange, 2),
  };
  return { figures, broadcasts };
}

/** Splits `count` new clients between the client processes and opens them. */
export async function connectClients(
  clients: Child[],
  count: number,
  options: { url: string | string[]; mode: 'live' | 'bare'; auth?: Record<string, unknown>; topic?: Record<string, unknown>; concurrency?: number },
) {
  const share = (i: number) => Math.floor(count / clients.length) + (i < count % clients.length ? 1 : 0);
  const results = await Promise.all(
    clients.map((client, i) =>
      client.call<{ opened: number; failed: number; firstError: string | null; seconds: number }>('connect', {
        url: Array.isArray(options.url) ? options.url[i % options.url.length] : options.url,
        count: share(i),
        mode: options.mode,
        auth: options.auth,
        topic: options.topic,
        concurrency: options.concurrency,
      }),
    ),
  );
  const failed = results.reduce((a, r) => a + r.failed, 0);
  if (failed) console.warn(`  ${failed} clients failed to connect (${results.find((r) => r.firstError)?.firstError})`);
  return { opened: results.reduce((a, r) => a + r.opened, 0), failed, seconds: round(Math.max(...results.map((r) => r.seconds)), 1) };
}

/** Waits until every client process answers promptly again (its backlog of events is drained). */
export async function settle(clients: Child[], timeoutMs = 60_000): Promise<number> {
  const begin = nowMs();
  for (;;) {
    const t = nowMs();
    await Promise.all(clients.map((c) => c.call('connected')));
    if (nowMs() - t < 50 || nowMs() - begin > timeoutMs) return round((nowMs() - begin) / 1000, 1);
    await sleep(200);
  }
}
