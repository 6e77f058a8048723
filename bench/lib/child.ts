/**
 * Servers and load clients run in child processes of their own, so a client's work never shares the
 * server's event loop. A child is a TypeScript entry started through a shell that first raises the
 * open-files limit (10k sockets need more than the usual 1024), with an IPC channel for requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { benchDir } from './common';

export interface Child {
  process: ChildProcess;
  /** Sends a request and waits for its answer. */
  call<T = unknown>(type: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Resolves with the first message of this type the child sends on its own. */
  next<T = unknown>(type: string, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

interface Message {
  id?: number;
  type: string;
  ok?: boolean;
  error?: string;
  value?: unknown;
}

/**
 * Starts `bench/lib/<entry>.ts` with `env` added and node flags `nodeArgs`. The child must answer
 * `{ id, ok, value | error }` to `{ id, type, args }` (see serveRequests) and send `{ type: 'ready', value }`.
 */
export function startChild(entry: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Child {
  const script = resolve(benchDir, 'lib', `${entry}.ts`);
  const command = `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "${process.execPath}" --import tsx --expose-gc ${nodeArgs.join(' ')} "${script}"`;
  const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  let nextId = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<string, ((value: unknown) => void)[]>();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.on('message', (message: Message) => {
    if (message.id !== undefined && waiting.has(message.id)) {
      const w = waiting.get(message.id)!;
      waiting.delete(message.id);
      if (message.ok) w.resolve(message.value);
      else w.reject(new Error(`${entry}: ${message.error}`));
      return;
    }
    const list = listeners.get(message.type) ?? [];
    listeners.delete(message.type);
    for (const listener of list) listener(message.value);
  });
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`${entry} exited (${code})`));
    waiting.clear();
  });
  return {
    process: child,
    call: <T>(type: string, args: Record<string, unknown> = {}, timeoutMs = 600_000) =>
      new Promise<T>((resolvePromise, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${entry}: ${type} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolvePromise(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, type, args });
      }),
    next: <T>(type: string, timeoutMs = 300_000) =>
      new Promise<T>((resolvePromise, reject) => {
        const timer = setTimeout(() => reject(new Error(`${entry}: no ${type} within ${timeoutMs} ms`)), timeoutMs);
        child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before ${type}`)));
        listeners.set(type, [
          ...(listeners.get(type) ?? []),
          (value) => {
            clearTimeout(timer);
            resolvePromise(value as T);
          },
        ]);
      }),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.send({ id: 0, type: 'stop', args: {} });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: answers requests with `handlers`; 'stop' runs `onStop` and exits. */
export function serveRequests(handlers: Record<string, (args: Record<string, unknown>) => unknown>, onStop: () => Promise<void>): void {
  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= onStop().catch((err) => console.error(err)).finally(() => process.exit(0)));
  process.on('message', async (message: { id: number; type: string; args: Record<string, unknown> }) => {
    if (message.type === 'stop') {
      await stop();
      return;
    }
    const handler = handlers[message.type];
    try {
      if (!handler) throw new Error(`no handler for ${message.type}`);
      const value = await handler(message.args ?? {});
      process.send?.({ id: message.id, type: message.type, ok: true, value });
    } catch (error) {
      process.send?.({ id: message.id, type: message.type, ok: false, error: (error as Error).stack ?? String(error) });
    }
  });
  // The parent died: do not linger holding sockets and database connections.
  process.on('disconnect', () => void stop());
}

export function announce(type: string, value: unknown): void {
  process.send?.({ type, value });
}
