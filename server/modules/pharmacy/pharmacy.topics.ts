import { memberCaller, type Topic } from '../realtime/topics';
import { rooms } from '../realtime/rooms';
import { pharmacyQueue } from './pharmacy.service';

/** Prescriptions to print and dispense. */
export const pharmacyTopic: Topic = {
  kind: 'pharmacy',
  async resolve(em, principal, params) {
    const caller = await memberCaller(em, principal, params.orgId, ['org_admin', 'medical_staff']);
    return caller ? { room: rooms.pharmacy(caller.orgId), orgId: caller.orgId, caller, principal } : null;
  },
  snapshot: (em, access) => pharmacyQueue({ em, caller: access.caller! }),
};
