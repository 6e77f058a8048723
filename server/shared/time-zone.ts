import { IANAZone } from 'luxon';

/**
 * The server process's zone (TZ). Orgs that existed before orgs had a zone were given it, and a
 * new org gets it unless it names its own, so a single-clinic deployment keeps the hours it had.
 */
export const serverTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The IANA name of `zone` as the zone database spells it ('america/sao_paulo' → 'America/Sao_Paulo'), or null when it names no zone. */
export function canonicalTimeZone(zone: string): string | null {
  // Node 24's Intl also takes a fixed UTC offset ('+03:00', '-0300', '−03') as a zone: it names no place
  // and has no daylight-saving rules, so it is not an org's zone.
  if (/^[+\-\u2212]/.test(zone.trim()) || !IANAZone.isValidZone(zone)) return null;
  return Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
}
