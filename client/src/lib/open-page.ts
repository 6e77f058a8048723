import type { ApiClient } from './api';

/**
 * Opens a printable page the API serves behind the bearer token (a prescription) in a new tab,
 * through a blob: URL, and asks the tab to print once loaded. The tab is opened first, inside the
 * click, so pop-up blockers let it through.
 */
export async function openPrintable(load: () => ReturnType<ApiClient['blob']>, { print = false } = {}): Promise<void> {
  const tab = window.open('', '_blank');
  try {
    const { blob } = await load();
    const url = URL.createObjectURL(new Blob([blob], { type: 'text/html' }));
    if (tab) {
      tab.location.href = url;
      if (print) printWhenLoaded(tab, url);
    } else {
      window.location.assign(url);
    }
    setTimeout(() => URL.revokeObjectURL(url), 120_000);
  } catch (error) {
    tab?.close();
    throw error;
  }
}

function printWhenLoaded(tab: Window, url: string): void {
  let tries = 0;
  const timer = setInterval(() => {
    tries += 1;
    try {
      if (tab.closed || tries > 50) return clearInterval(timer);
      if (tab.location.href === url && tab.document.readyState === 'complete') {
        clearInterval(timer);
        tab.focus();
        tab.print();
      }
    } catch {
      clearInterval(timer);
    }
  }, 100);
}
