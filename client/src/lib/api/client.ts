import { ApiError } from './errors';
import type { TokenStore } from './tokens';
import type { ErrorBody, Session } from './types';

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** false for the public auth routes; default true (bearer token, refresh on 401). */
  auth?: boolean;
}

export interface UploadOptions {
  /** Multipart field name; 'file' unless the route says otherwise. */
  field?: string;
  /** 0..1 as the bytes leave the browser. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export interface ApiClientOptions {
  tokens: TokenStore;
  /** Prefix of every path; same-origin '/api/v1' in the browser. */
  baseUrl?: string;
  /** Called once when the refresh token is refused: the user must sign in again. */
  onSessionEnded?: (message: string) => void;
  fetch?: typeof fetch;
}

/** Refresh this long before expiry, so a request never leaves with a token about to lapse. */
const refreshMarginMs = 30_000;

/**
 * A typed fetch wrapper: JSON in and out, the bearer token on every call, and on a 401 one
 * refresh then one retry. Refreshes are single-flight within the tab and serialised across tabs
 * (Web Locks): refresh tokens rotate and a token spent twice revokes the whole login.
 */
export class ApiClient {
  private readonly tokens: TokenStore;
  private readonly baseUrl: string;
  private readonly onSessionEnded: (message: string) => void;
  private readonly fetchImpl: typeof fetch;
  private refreshing: Promise<boolean> | null = null;

  constructor(options: ApiClientOptions) {
    this.tokens = options.tokens;
    this.baseUrl = options.baseUrl ?? '/api/v1';
    this.onSessionEnded = options.onSessionEnded ?? (() => undefined);
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  get<T>(path: string, query?: Query, options: Omit<RequestOptions, 'query' | 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, query });
  }

  post<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  patch<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PATCH', path, { ...options, body });
  }

  put<T>(path: string, body?: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body });
  }

  delete<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.parse<T>(await this.respond(method, path, options));
  }

  /**
   * A file the API serves (an attachment, a printable page): its bytes and the name the server
   * suggests. Same token and refresh rules as every other call.
   */
  async blob(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<{ blob: Blob; filename: string | null; type: string }> {
    const response = await this.respond('GET', path, { ...options, accept: '*/*' });
    if (!response.ok) throw new ApiError(response.status, await readErrorBody(response));
    const blob = await response.blob();
    return { blob, filename: filenameOf(response.headers.get('content-disposition')), type: response.headers.get('content-type') ?? blob.type };
  }

  /**
   * Sends one file as multipart/form-data through XMLHttpRequest, whose upload events report
   * progress (fetch has none). A 401 refreshes the token once and sends the file again.
   */
  async upload<T>(path: string, file: File, options: UploadOptions = {}): Promise<T> {
    const send = (token: string | null) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', this.baseUrl + path);
        xhr.setRequestHeader('accept', 'application/json');
        if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
        xhr.upload.onprogress = (event) => {
          if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
        };
        xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
        xhr.onerror = () => reject(ApiError.network(new Error('upload failed')));
        xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
        options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
        const form = new FormData();
        form.append(options.field ?? 'file', file, file.name);
        xhr.send(form);
      });
    let token = await this.accessToken();
    let answer = await send(token);
    if (answer.status === 401 && token && (await this.refresh(token))) {
      token = this.tokens.read()?.accessToken ?? null;
      options.onProgress?.(0);
      answer = await send(token);
    }
    if (answer.status < 200 || answer.status >= 300) throw new ApiError(answer.status, errorBodyOf(answer.status, answer.text));
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  }

  private async respond(method: string, path: string, options: RequestOptions & { accept?: string }): Promise<Response> {
    const useAuth = options.auth !== false;
    let token = useAuth ? await this.accessToken() : null;
    let response = await this.send(method, path, options, token);
    if (response.status === 401 && useAuth && token) {
      if (await this.refresh(token)) {
        token = this.tokens.read()?.accessToken ?? null;
        response = await this.send(method, path, options, token);
      }
    }
    return response;
  }

  /**
   * A call answered with a new session for this device (changing one's own password ends every
   * other session and revokes the refresh token held now): the new pair is stored on arrival. Sent
   * under the refresh lock, so a refresh the same change sets off (the server drops this user's
   * sockets, which renew their token to reconnect) waits for the new pair instead of spending the
   * revoked one and signing the user out.
   */
  async renewSession(path: string, body: unknown): Promise<Session> {
    const token = await this.accessToken();
    return this.withRefreshLock(async () => {
      const session = await this.parse<Session>(await this.send('POST', path, { body }, token));
      this.tokens.write(session);
      return session;
    });
  }

  /**
   * A token good for at least the next half-minute, refreshing first when it is about to lapse;
   * null when signed out. The live socket calls this before each handshake.
   */
  async accessToken(): Promise<string | null> {
    const current = this.tokens.read();
    if (!current) return null;
    if (current.expiresAt - Date.now() > refreshMarginMs) return current.accessToken;
    await this.refresh(current.accessToken).catch(() => false);
    return this.tokens.read()?.accessToken ?? null;
  }

  /**
   * Spends the refresh token once for a new pair. `staleAccessToken` is the token that was
   * refused: if storage already holds a different one, another flight (here or in another tab)
   * refreshed in the meantime and there is nothing to spend. Resolves false when the session ended.
   */
  refresh(staleAccessToken?: string): Promise<boolean> {
    this.refreshing ??= this.withRefreshLock(() => this.refreshOnce(staleAccessToken)).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshOnce(staleAccessToken: string | undefined): Promise<boolean> {
    const current = this.tokens.read();
    if (!current) return false;
    if (staleAccessToken && current.accessToken !== staleAccessToken) return true;
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + '/auth/refresh', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ refreshToken: current.refreshToken }),
      });
    } catch (cause) {
      throw ApiError.network(cause);
    }
    if (response.ok) {
      this.tokens.write((await response.json()) as Session);
      return true;
    }
    if (response.status === 401 || response.status === 400) {
      const body = await readErrorBody(response);
      this.tokens.clear();
      this.onSessionEnded(body.error === 'unauthenticated' && /already used/.test(body.message)
        ? 'You were signed out because this login was used elsewhere. Sign in again.'
        : 'Your session has ended. Sign in again to continue.');
      return false;
    }
    throw new ApiError(response.status, await readErrorBody(response));
  }

  private async withRefreshLock<T>(work: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    if (!locks) return work();
    return locks.request('cuspid.token-refresh', work) as Promise<T>;
  }

  private async send(method: string, path: string, options: RequestOptions & { accept?: string }, token: string | null): Promise<Response> {
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(this.baseUrl + path + queryString(options.query), {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (cause) {
      if ((cause as Error)?.name === 'AbortError') throw cause;
      throw ApiError.network(cause);
    }
  }

  private async parse<T>(response: Response): Promise<T> {
    if (!response.ok) throw new ApiError(response.status, await readErrorBody(response));
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

async function readErrorBody(response: Response): Promise<ErrorBody> {
  try {
    const body = (await response.json()) as Partial<ErrorBody>;
    if (typeof body?.error === 'string' && typeof body.message === 'string') return body as ErrorBody;
  } catch {
    // Not JSON: a proxy or gateway answered.
  }
  return { error: `http_${response.status}`, message: response.statusText || `Request failed (${response.status})` };
}

function errorBodyOf(status: number, text: string): ErrorBody {
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body?.error === 'string' && typeof body.message === 'string') return body as ErrorBody;
  } catch {
    // Not JSON: a proxy answered.
  }
  return { error: `http_${status}`, message: status === 413 ? 'The file is too large.' : `Request failed (${status})` };
}

/** The file name of a Content-Disposition header (RFC 6266: filename* first, then filename). */
export function filenameOf(disposition: string | null): string | null {
  if (!disposition) return null;
  const star = disposition.match(/filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // Fall through to the plain name.
    }
  }
  const plain = disposition.match(/filename\s*=\s*"?([^";]+)"?/);
  return plain?.[1]?.trim() ?? null;
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}
