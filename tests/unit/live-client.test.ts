import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveClient } from '../../client/src/lib/live/live-client';
import { until } from '../helpers/until';

const closers: (() => void)[] = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

/** A real Socket.IO server whose handshake answers each attempt with the next refusal, then lets it in. */
async function refusingServer(refusals: string[]): Promise<{ url: string; attempts: () => number }> {
  const http = createServer();
  const io = new Server(http);
  let attempts = 0;
  io.use((_socket, next) => {
    const refusal = refusals[attempts++];
    next(refusal ? new Error(refusal) : undefined);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  closers.push(() => void io.close());
  return { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, attempts: () => attempts };
}

describe(LiveClient.name, () => {
  it('renews its token only when the handshake says unauthorized, and retries an unavailable server as it is', async () => {
    const server = await refusingServer(['unavailable', 'unavailable', 'unauthorized']);
    let renewals = 0;
    const client = new LiveClient({ url: server.url, transports: ['websocket'], auth: () => ({ token: 't' }), onAuthExpired: async () => void renewals++ });
    closers.push(() => client.close());
    await until(() => client.state === 'live', 15_000, 'the client to get in');
    expect(server.attempts()).toBe(4);
    expect(renewals).toBe(1);
  }, 20_000);
});
