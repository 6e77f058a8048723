/** Groupings of visitMachine states the screens and rules use. */

/** States a visit never leaves. */
export const finalVisitStatuses = ['closed', 'cancelled', 'no_show', 'expired'] as const;

/** In a doctor's queue: waiting for the call, or called and on the way in. */
export const queuedVisitStatuses = ['waiting', 'called'] as const;

/** Seen by the doctor and not yet closed: the pharmacy's part of the day when there is a prescription. */
export const afterConsultationStatuses = ['consultation_done', 'printed', 'dispensed', 'closed'] as const;

export function isOpenVisit(status: string): boolean {
  return !(finalVisitStatuses as readonly string[]).includes(status);
}
