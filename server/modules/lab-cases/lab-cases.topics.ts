import { memberCaller, type Topic } from '../realtime/topics';
import { boardRoom, caseBoard } from './case-board.service';

/** Cards per column in a live board's snapshot, as the board's REST default. */
const snapshotCards = 100;

/**
 * The lab board. Lab staff watch the whole lab; a dentist (a client of the lab) watches a board of
 * their own cases only, so the same screen never shows them anyone else's patients. The snapshot
 * comes from the board cache, keyed by this same room's sequence read in the subscription's
 * snapshot transaction, so it is never older than the sequence it is tagged with.
 */
export const labBoardTopic: Topic = {
  kind: 'lab-board',
  async resolve(em, principal, params) {
    const caller = await memberCaller(em, principal, params.orgId, ['org_admin', 'designer', 'dentist']);
    if (!caller) return null;
    return { room: boardRoom(caller), orgId: caller.orgId, caller, principal };
  },
  snapshot: async (em, access) => (await caseBoard({ em, caller: access.caller! }, { limit: snapshotCards })).board,
};
