import type { StaffLimitUsage } from '../../lib/api';

/** Seats left for a role on the plan; null when the plan sets no limit. */
export function seatsLeft(limits: StaffLimitUsage[], role: string): number | null {
  const usage = limits.find((l) => l.role === role);
  if (!usage || usage.limit === null) return null;
  return Math.max(0, usage.limit - usage.active);
}

/** Field errors the form knows where to show; the rest go in the dialog's banner. */
export function splitFieldErrors(errors: Record<string, string>, known: readonly string[]): { fields: Record<string, string>; other: string[] } {
  const fields: Record<string, string> = {};
  const other: string[] = [];
  for (const [field, message] of Object.entries(errors)) {
    if (known.includes(field)) fields[field] = message;
    else other.push(`${field}: ${message}`);
  }
  return { fields, other };
}
