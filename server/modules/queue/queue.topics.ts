import { tenantFilter } from '../../db/orm';
import { professionalOfUser } from '../professionals/professionals.service';
import { isId, memberCaller, type Topic } from '../realtime/topics';
import { rooms } from '../realtime/rooms';
import { doctorQueue, receptionQueue } from './queue.service';

/** Every doctor's queue, for the reception desk. */
export const receptionTopic: Topic = {
  kind: 'reception',
  async resolve(em, principal, params) {
    const caller = await memberCaller(em, principal, params.orgId, ['org_admin', 'receptionist']);
    return caller ? { room: rooms.reception(caller.orgId), orgId: caller.orgId, caller, principal } : null;
  },
  snapshot: (em, access) => receptionQueue({ em, caller: access.caller! }),
};

/** One doctor's queue: the doctor's own screen, or reception and the admin looking at it. */
export const doctorQueueTopic: Topic = {
  kind: 'doctor-queue',
  async resolve(em, principal, params) {
    const caller = await memberCaller(em, principal, params.orgId, ['org_admin', 'receptionist', 'doctor']);
    if (!caller) return null;
    const doctorUserId = caller.role === 'doctor' ? caller.userId : params.doctorUserId;
    if (!isId(doctorUserId) || (caller.role === 'doctor' && params.doctorUserId !== undefined && params.doctorUserId !== caller.userId)) return null;
    em.setFilterParams(tenantFilter, { orgId: caller.orgId });
    if (!(await professionalOfUser(em, doctorUserId))) return null;
    return { room: rooms.doctorQueue(caller.orgId, doctorUserId), orgId: caller.orgId, caller, principal };
  },
  snapshot: (em, access, params) => doctorQueue(em, access.caller!.role === 'doctor' ? access.caller!.userId : String(params.doctorUserId)),
};
