/** The zone this browser runs in: where a new org most likely is. */
export const browserTimeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The IANA zones this browser knows, for an org's time-zone select. `current` is kept in the list
 * even when the browser leaves it out (the list has no 'UTC', which a server may have given an org).
 */
export function timeZoneChoices(current: string): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return zones.includes(current) ? zones : [current, ...zones];
}
