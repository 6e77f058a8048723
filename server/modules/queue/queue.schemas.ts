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
  waiting: Type.Integer({ description: 'Patients waiting to be called (workflows/queue-order.ts): called ones and the one with the doctor are not counted' }),
  averageWaitMinutes: Type.Integer(),
  visits: Type.Array(QueueEntryBody, { description: 'Called visits, then waiting ones in calling order: urgent first, then by check-in, then by ticket' }),
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
