import type { ConnectionState } from './live-client';

/**
 * What a live screen tells its user about freshness (components/ConnectionBanner.svelte).
 * `live`: connected and caught up. `reconnecting`: the socket dropped moments ago and is retrying.
 * `stale`: still not back after `staleAfterMs`, so what is shown is probably out of date.
 * `offline`: the browser has no network at all.
 */
export type LiveStatus = 'live' | 'reconnecting' | 'stale' | 'offline';

export const staleAfterMs = 20_000;

/** Folds the socket's state, the browser's network flag and how long we have been away into one status. */
export function liveStatus(state: ConnectionState, online: boolean, disconnectedAt: number | null, now = Date.now()): LiveStatus {
  if (!online || state === 'offline') return 'offline';
  if (state === 'live') return 'live';
  if (disconnectedAt !== null && now - disconnectedAt >= staleAfterMs) return 'stale';
  return 'reconnecting';
}
