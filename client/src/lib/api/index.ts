/**
 * The app's one API client. `api.<area>.<call>()` for typed calls; `http` for the raw client (the
 * live socket asks it for a fresh token); `tokens` is what the session persists.
 */
import { ApiClient } from './client';
import { endpoints } from './endpoints';
import { TokenStore } from './tokens';

type SessionEndedListener = (message: string) => void;
const sessionEndedListeners = new Set<SessionEndedListener>();

export const tokens = new TokenStore();
export const http = new ApiClient({
  tokens,
  onSessionEnded: (message) => sessionEndedListeners.forEach((listener) => listener(message)),
});
export const api = endpoints(http);

/** Tells the session when a refresh was refused, so it can send the user to sign in. */
export function onSessionEnded(listener: SessionEndedListener): () => void {
  sessionEndedListeners.add(listener);
  return () => sessionEndedListeners.delete(listener);
}

export { ApiClient, filenameOf, queryString, type Query, type RequestOptions, type UploadOptions } from './client';
export { ApiError, isApiError, messageOf, humaniseFieldMessage } from './errors';
export { TokenStore, type StoredTokens } from './tokens';
export type * from './types';
export type * from './wire';
