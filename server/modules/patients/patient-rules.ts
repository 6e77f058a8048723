/** Pure rules about patient records, shared by the service and its unit tests. */

/** Whole years between a date of birth and a day, both 'YYYY-MM-DD' calendar dates (no time zone games). */
export function ageOn(dateOfBirth: string, day: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const hadBirthday = m > bm || (m === bm && d >= bd);
  return y - by - (hadBirthday ? 0 : 1);
}

/** A plausible date of birth: a real calendar date, not after `today`, and at most 130 years before it. */
export function dateOfBirthProblem(dateOfBirth: string, today: string): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  if (!match) return 'must be a date written YYYY-MM-DD';
  const [, y, m, d] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return 'is not a calendar date';
  if (dateOfBirth > today) return 'cannot be in the future';
  if (ageOn(dateOfBirth, today) > 130) return 'is more than 130 years ago';
  return null;
}

/** 'P-000123': the clinic's n-th patient. */
export function formatRecordNumber(n: number): string {
  return `P-${String(n).padStart(6, '0')}`;
}

/** Escapes LIKE wildcards so a search for '50%' finds '50%' and not everything. */
export function likeContaining(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
