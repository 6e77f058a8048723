import { invalid } from './errors';

type PartCheck = (part: string) => boolean;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Round-trips through Date, so 2026-02-30 and 2026-13-45 are refused as PostgreSQL would refuse them. */
function isDay(part: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(part)) return false;
  const day = new Date(`${part}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === part;
}

function isInstant(part: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(part)) return false;
  const at = new Date(part);
  return !Number.isNaN(at.getTime()) && at.toISOString() === part;
}

/** What each part of a cursor may be: a row id, a calendar day, an instant as `Date.toISOString` writes it. */
export const cursorPart = { id: (part: string) => uuid.test(part), day: isDay, instant: isInstant } satisfies Record<string, PartCheck>;

/** An opaque page cursor: the sort key of a page's last row. */
export function encodeCursor(...parts: string[]): string {
  return Buffer.from(parts.join('|')).toString('base64url');
}

/**
 * The parts of a cursor this API gave, each checked, or a 400 naming `query.cursor`: a cursor is
 * client input, and a forged one must not reach SQL as a value its column cannot hold.
 */
export function decodeCursor<const Checks extends readonly PartCheck[]>(cursor: string, checks: Checks): { [K in keyof Checks]: string } {
  const parts = Buffer.from(cursor, 'base64url').toString().split('|');
  if (parts.length !== checks.length || !checks.every((check, i) => check(parts[i]!))) throw invalid('query.cursor', 'is not a cursor this API gave');
  return parts as { [K in keyof Checks]: string };
}
