import { memberCaller, type Topic } from '../realtime/topics';
import { rooms } from '../realtime/rooms';
import { caseBoard } from './lab-cases.service';

/** Cards per column in a live board's snapshot, as the board's REST default. */
const snapshotCards = 100;

/**
 * The lab board. Lab staff watch the whole lab; a dentist (a client of the lab) watches a board of
 * their own cases only, so the same screen never shows them anyone else's patients.
 */
export const labBoardTopic: Topic = {
  kind: 'lab-board',
  async resolve(em, principal, params) {
    const caller = await memberCaller(em, principal, params.orgId, ['org_admin', 'designer', 'dentist']);
    if (!caller) return null;
    const room = caller.role === 'dentist' ? rooms.dentistCases(caller.orgId, caller.userId) : rooms.labBoard(caller.orgId);
    return { room, orgId: caller.orgId, caller, principal };
  },
  snapshot: (em, access) => caseBoard({ em, caller: access.caller! }, { limit: snapshotCards }),
};
