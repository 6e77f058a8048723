/** The seed-004 sentence for a professional's queue of the day, built from the figures. */

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** 'Dr. Jefferson Alves' and 'Jefferson Alves' both read 'Dr. Jefferson Alves'. */
export function doctorTitle(name: string): string {
  return `Dr. ${name.trim().replace(/^dr\.?\s+/i, '')}`;
}

/**
 * "There are 2 patients waiting for their appointments with Dr. Jefferson today. The average
 * waiting time is ca 2 hours and 0 minutes" (grammatical for one patient, one hour, one minute).
 */
export function queueSummaryMessage(waiting: number, doctorName: string, averageWaitMinutes: number): string {
  const minutes = Math.max(0, Math.round(averageWaitMinutes));
  const hours = Math.floor(minutes / 60);
  const who =
    waiting === 1
      ? `There is 1 patient waiting for their appointment with ${doctorTitle(doctorName)} today.`
      : `There are ${waiting} patients waiting for their appointments with ${doctorTitle(doctorName)} today.`;
  return `${who} The average waiting time is ca ${plural(hours, 'hour', 'hours')} and ${plural(minutes % 60, 'minute', 'minutes')}`;
}

/** Mean of the minutes each patient has waited so far, 0 for an empty queue. */
export function averageWaitMinutes(checkedInAt: Date[], now: Date): number {
  if (!checkedInAt.length) return 0;
  const total = checkedInAt.reduce((sum, at) => sum + Math.max(0, now.getTime() - at.getTime()), 0);
  return Math.round(total / checkedInAt.length / 60_000);
}
