import { Type } from 'typebox';
import { SessionBody, VisitBody } from '../visits/visits.schemas';

export const ConsultationBody = Type.Object({ visit: VisitBody, session: SessionBody });
