import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';

export const QueueEntryBody = Type.Object({
  visitId: Uuid,
  ticketNumber: Type.String(),
  patientId: Uuid,
  patientName: Type.String(),
  recordNumber: Type.String(),
  status: Type.String(),
  priority: Type.Integer(),
  checkedInAt: Type.String(),
  calledAt: Type.Union([Type.String(), Type.Null()]),
  waitedMinutes: Type.Integer(),
  quotedWaitMinutes: Type.Union([Type.Integer(), Type.Null()]),
  version: Type.Integer(),
});

export const ProfessionalQueueBody = Type.Object({
  professionalId: Uuid,
  doctorUserId: Uuid,
  displayName: Type.String(),
  specialty: Type.String(),
  room: Type.String(),
  ticketPrefix: Type.String(),
  waiting: Type.Integer({ description: 'Visits waiting or called' }),
  averageWaitMinutes: Type.Integer(),
  visits: Type.Array(QueueEntryBody, { description: 'Waiting and called visits: urgent first, then by arrival' }),
  inConsultation: Type.Array(QueueEntryBody),
});

export const ReceptionQueueBody = Type.Object({ generatedAt: Type.String(), professionals: Type.Array(ProfessionalQueueBody) });

export const SummaryQuery = Type.Object({ professionalId: Uuid });
export const SummaryBody = Type.Object({
  professionalId: Uuid,
  doctorName: Type.String(),
  waiting: Type.Integer(),
  averageWaitMinutes: Type.Integer(),
  message: Type.String(),
});
