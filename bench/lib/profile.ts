/**
 * CPU profiles of a server process taken while it serves a scenario's load (node:inspector, in
 * process), summarised by where the time went: the share of samples whose own frame is in a package,
 * in our code, in Node internals, in GC or idle; and inclusive shares for named groups (e.g. the time
 * spent inside xstate or workflows/, whoever called them).
 */
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Which bucket a frame's own time goes to. */
function bucketOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === '(idle)') return '(idle)';
    if (functionName === '(garbage collector)') return '(gc)';
    if (functionName === '(program)') return '(program)';
    return `(native) ${functionName || 'anonymous'}`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node:internals';
  const ours = /\/(server|workflows|client|bench)\//.exec(url);
  if (ours) return `${ours[1]}/`;
  return 'other';
}

export interface Breakdown {
  totalMs: number;
  busyMs: number;
  /** Share of busy (non-idle) time by the bucket of the frame on top of the stack, largest first. */
  selfShares: Record<string, number>;
  /** Share of busy time with a frame of the group anywhere on the stack. */
  inclusiveShares: Record<string, number>;
  /** The functions with the most self time: `name (file:line)` -> share of busy time. */
  topFunctions: Record<string, number>;
}

/** `groups`: name -> test on a frame's url, e.g. { xstate: (url) => url.includes('/xstate/') }. */
export function summarise(profile: Profile, groups: Record<string, (url: string) => boolean> = {}): Breakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const groupCache = new Map<number, string[]>();
  const groupsOf = (id: number): string[] => {
    const cached = groupCache.get(id);
    if (cached) return cached;
    const found = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)!.callFrame.url;
      for (const [name, test] of Object.entries(groups)) if (url && test(url)) found.add(name);
    }
    const list = [...found];
    groupCache.set(id, list);
    return list;
  };
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const bucket = bucketOf(byId.get(id)!.callFrame);
    if (bucket === '(idle)') {
      idle += dt;
      return;
    }
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
    const frame = byId.get(id)!.callFrame as ProfileNode['callFrame'] & { lineNumber?: number };
    const where = frame.url ? ` (${frame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(server|workflows|client|bench)\//, '$1/')}:${(frame.lineNumber ?? 0) + 1})` : '';
    const fn = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(fn, (functions.get(fn) ?? 0) + dt);
    for (const group of groupsOf(id)) inclusive.set(group, (inclusive.get(group) ?? 0) + dt);
  });
  const busy = total - idle;
  const share = (m: Map<string, number>) =>
    Object.fromEntries([...m.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, Math.round((v / (busy || 1)) * 1000) / 10]));
  const top = new Map([...functions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25));
  const selfShares = share(self);
  // Native frames are many small buckets: keep the large ones by name, fold the rest.
  let folded = 0;
  for (const [key, value] of Object.entries(selfShares)) {
    if (key.startsWith('(native) ') && value < 1) {
      folded += value;
      delete selfShares[key];
    }
  }
  if (folded) selfShares['(native) other'] = Math.round(folded * 10) / 10;
  return { totalMs: Math.round(total), busyMs: Math.round(busy), selfShares, inclusiveShares: share(inclusive), topFunctions: share(top) };
}

/** Starts the in-process sampling profiler; the returned function stops it and summarises. */
export async function startProfiling(groups: Record<string, (url: string) => boolean>, intervalUs = 200): Promise<() => Promise<Breakdown>> {
  const session = new Session();
  session.connect();
  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalUs });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: Profile }>('Profiler.stop');
    await post('Profiler.disable');
    session.disconnect();
    return summarise(profile, groups);
  };
}

/** The groups the scenarios report. */
export const defaultGroups: Record<string, (url: string) => boolean> = {
  'xstate + workflows/': (url) => url.includes('/node_modules/xstate/') || url.includes('/workflows/'),
  '@mikro-orm': (url) => url.includes('/node_modules/@mikro-orm/') || url.includes('/node_modules/knex/'),
  'pg driver': (url) => url.includes('/node_modules/pg') ,
  fastify: (url) => url.includes('/node_modules/fastify/') || url.includes('/node_modules/@fastify/') || url.includes('/node_modules/find-my-way/') || url.includes('/node_modules/light-my-request/'),
  'socket.io/engine.io/ws': (url) => /node_modules\/(socket\.io|engine\.io|ws|@socket\.io)/.test(url),
  ioredis: (url) => url.includes('/node_modules/ioredis/'),
  bullmq: (url) => url.includes('/node_modules/bullmq/'),
};
