/**
 * Child process: the fan-out baseline, a bare Socket.IO server (default in-memory adapter, no
 * auth, no database, no Redis). Every socket joins one room on connection; `POST /broadcast`
 * emits one envelope of the same shape and size as the lab board's `case.updated.v1` to that room
 * and answers 204. The same instruments as the app server.
 *
 * Env: BENCH_RELEASE_REQUEST=1 drops each connection's HTTP request (the tuning server/ applies).
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Server } from 'socket.io';
import { announce, serveRequests } from './child';
import { instrumentBroadcasts, instrumentProcess } from './instruments';

const broadcasts = instrumentBroadcasts();
const room = 'org:00000000-0000-4000-8000-000000000000:lab-board';
let seq = 0;
const http = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/broadcast') {
    response.writeHead(404).end();
    return;
  }
  let body = '';
  request.on('data', (chunk) => (body += chunk));
  request.on('end', () => {
    const { key } = JSON.parse(body || '{}') as { key?: string };
    // The same fields and sizes as a lab board event, with the bench's key in place of a real case.
    const payload = {
      key,
      caseId: '6f1c2d4e-8a9b-4c0d-9e1f-2a3b4c5d6e7f',
      caseNumber: 'CASE-00042',
      status: 'in_progress',
      state: 'in_progress',
      deliveryStatus: 'not_shipped',
      approvalStatus: 'not_submitted',
      assignedDesignerId: '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      dentistUserId: null,
      dueDate: '2026-12-01',
      redoCount: 0,
      isOutsourced: false,
      version: seq + 2,
      event: 'case.assignDesigner',
      changedFields: ['assignedDesignerId'],
    };
    io.to(room).emit('event', { room, seq: ++seq, type: 'case.updated.v1', at: new Date().toISOString(), payload });
    response.writeHead(204).end();
  });
});
const io = new Server(http, { serveClient: false });
if (process.env.BENCH_RELEASE_REQUEST === '1') {
  io.engine.on('connection', (rawSocket: { request: unknown }) => {
    rawSocket.request = null;
  });
}
io.on('connection', (socket) => void socket.join(room));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

const lag = monitorEventLoopDelay({ resolution: 1 });
serveRequests(
  { ...instrumentProcess(lag), ...broadcasts.handlers, sockets: () => io.engine.clientsCount },
  async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  },
);
announce('ready', { port: (http.address() as { port: number }).port });
