/**
 * A small history-API router: the path and query as runes, `navigate()` for code, and plain
 * `<a href>` links everywhere (same-origin clicks are intercepted, so links stay links for
 * middle-click, copy and screen readers).
 */
export type Params = Record<string, string>;

export interface NavigateOptions {
  replace?: boolean;
  /** Keep the scroll position (filters that only change the query). */
  keepScroll?: boolean;
  /** Leave keyboard focus where it is instead of moving it to the new page's heading. */
  keepFocus?: boolean;
}

export class Router {
  path = $state('/');
  search = $state('');
  /** Increments on every navigation, so screens can react to "navigated" even to the same path. */
  version = $state(0);
  /** Whether the last navigation should move focus to the new page's heading (App.svelte does it). */
  moveFocus = true;
  query = $derived(new URLSearchParams(this.search));

  constructor() {
    if (typeof window === 'undefined') return;
    this.sync();
    window.addEventListener('popstate', () => {
      this.moveFocus = true;
      this.sync();
    });
    document.addEventListener('click', (event) => this.interceptLink(event));
  }

  /** Full URL of where we are now, for `?next=` after signing in. */
  get href(): string {
    return this.path + this.search;
  }

  navigate(to: string, options: NavigateOptions = {}): void {
    const url = new URL(to, window.location.href);
    if (url.origin !== window.location.origin) {
      window.location.assign(url.href);
      return;
    }
    const target = url.pathname + url.search + url.hash;
    if (target === window.location.pathname + window.location.search + window.location.hash && !options.replace) return;
    if (options.replace) history.replaceState(null, '', target);
    else history.pushState(null, '', target);
    this.moveFocus = !options.keepFocus;
    this.sync();
    if (!options.keepScroll) window.scrollTo(0, 0);
  }

  /** Replaces some query parameters in place (filters); empty values are removed. */
  setQuery(changes: Record<string, string | null | undefined>): void {
    const params = new URLSearchParams(this.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === null || value === '') params.delete(key);
      else params.set(key, value);
    }
    const text = params.toString();
    this.navigate(this.path + (text ? `?${text}` : ''), { replace: true, keepScroll: true, keepFocus: true });
  }

  /** Params of `pattern` ("/display/:token", "/admin/*") against the current path, or null. */
  match(pattern: string): Params | null {
    return matchPath(pattern, this.path);
  }

  isActive(prefix: string): boolean {
    return this.path === prefix || this.path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);
  }

  private sync(): void {
    // A hash-only change (the skip link) is not a navigation.
    if (this.version > 0 && this.path === window.location.pathname && this.search === window.location.search) return;
    this.path = window.location.pathname;
    this.search = window.location.search;
    this.version += 1;
  }

  private interceptLink(event: MouseEvent): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.('a');
    if (!anchor || !anchor.href || anchor.target || anchor.hasAttribute('download') || anchor.dataset.external !== undefined) return;
    const url = new URL(anchor.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith('/api/')) return;
    // In-page anchors (the skip link) are the browser's job.
    if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search) return;
    event.preventDefault();
    this.navigate(url.pathname + url.search + url.hash);
  }
}

export function matchPath(pattern: string, path: string): Params | null {
  const patternParts = pattern.split('/').filter(Boolean);
  const pathParts = path.split('/').filter(Boolean);
  const params: Params = {};
  for (let i = 0; i < patternParts.length; i++) {
    const part = patternParts[i]!;
    if (part === '*') {
      params.rest = pathParts.slice(i).join('/');
      return params;
    }
    const value = pathParts[i];
    if (value === undefined) return null;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return null;
  }
  return patternParts.length === pathParts.length ? params : null;
}

export const router = new Router();
