const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(value: string | number | Date): string {
  return dateTime.format(new Date(value));
}

export function formatTime(value: string | number | Date): string {
  return timeOnly.format(new Date(value));
}

export function formatDate(value: string | number | Date): string {
  return dateOnly.format(new Date(value));
}

/** "just now", "4 min ago", "2 h ago", else the date and time. */
export function formatAgo(value: string | number | Date, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - new Date(value).getTime()) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return formatDateTime(value);
}

export function initials(name: string): string {
  const parts = name.replace(/^(dr|mr|mrs|ms)\.?\s+/i, '').split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?';
}

/** Short form of a uuid for tables; the full value goes in a title attribute. */
export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '—';
}

/** A yyyy-mm-dd from a date input, as the start or end of that local day in ISO form. */
export function dayBoundary(day: string, edge: 'start' | 'end'): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = edge === 'start' ? new Date(y, m - 1, d, 0, 0, 0, 0) : new Date(y, m - 1, d, 23, 59, 59, 999);
  return date.toISOString();
}

const dayMonth = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** "26 Nov" for a YYYY-MM-DD in this year, else the medium date: for cards with little room. */
export function shortDate(day: string): string {
  const date = new Date(`${day}T12:00:00`);
  return date.getFullYear() === new Date().getFullYear() ? dayMonth.format(date) : formatDate(date);
}
