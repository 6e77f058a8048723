import { DisplaySchema } from '../displays/display.entity';
import { rooms } from '../realtime/rooms';
import type { Topic } from '../realtime/topics';
import { VisitSchema } from '../visits/visit.entity';
import { displayBoard, visitStatus } from './public-screens.service';

/** A waiting-room screen: only the display its token belongs to. */
export const displayTopic: Topic = {
  kind: 'display',
  async resolve(_em, principal) {
    if (principal.kind !== 'display') return null;
    return { room: rooms.display(principal.displayId), orgId: principal.orgId, caller: null, principal };
  },
  async snapshot(em, { principal }) {
    if (principal.kind !== 'display') throw new Error('display topic without a display');
    return displayBoard(em, await em.findOneOrFail(DisplaySchema, { id: principal.displayId }));
  },
};

/** A patient's status page: only the visit its token belongs to. */
export const visitStatusTopic: Topic = {
  kind: 'visit-status',
  async resolve(_em, principal) {
    if (principal.kind !== 'visit-status') return null;
    return { room: rooms.visitStatus(principal.visitId), orgId: principal.orgId, caller: null, principal };
  },
  async snapshot(em, { principal }) {
    if (principal.kind !== 'visit-status') throw new Error('status topic without a visit');
    return visitStatus(em, await em.findOneOrFail(VisitSchema, { id: principal.visitId }));
  },
};
