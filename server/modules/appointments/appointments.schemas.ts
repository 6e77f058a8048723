import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { Text } from '../patients/patients.schemas';

export const AppointmentParams = Type.Object({ orgId: Type.String(), appointmentId: Uuid });
const Instant = Type.String({ format: 'date-time', description: 'ISO 8601 with offset, e.g. 2026-03-02T09:30:00-03:00' });
const Day = Type.String({ format: 'date', description: 'A clinic day, YYYY-MM-DD' });
const Version = Type.Optional(Type.Integer({ minimum: 1, description: 'The version read; a stale one answers 409' }));
// The booking rule (booking-rules.ts) decides the lengths, and says why in words; this only keeps the type.
const Duration = Type.Integer({ minimum: 1, maximum: 1440, description: 'Minutes: a patient books one 30-minute slot; the desk 5 to 240 in steps of 5, within working hours' });

export const AppointmentBody = Type.Object({
  id: Uuid,
  patientId: Uuid,
  patientName: Type.String(),
  recordNumber: Type.String(),
  professionalId: Uuid,
  professionalName: Type.String(),
  specialty: Type.String(),
  room: Type.String(),
  treatment: Type.String(),
  startsAt: Type.String(),
  endsAt: Type.String(),
  durationMinutes: Type.Integer(),
  status: Type.String(),
  cancelReason: Type.Union([Type.String(), Type.Null()]),
  noShowFrom: Type.String({ description: 'From this instant the appointment can be marked a no-show' }),
  version: Type.Integer(),
  allowed: Type.Array(Type.String(), { description: 'Events the caller may send now' }),
});

export const NewAppointmentBody = Type.Object(
  {
    patientId: Type.Optional(Uuid),
    professionalId: Uuid,
    treatment: Text(200),
    startsAt: Instant,
    durationMinutes: Type.Optional(Duration),
  },
  { additionalProperties: false },
);

export const RescheduleBody = Type.Object({ startsAt: Instant, durationMinutes: Type.Optional(Duration), version: Version }, { additionalProperties: false });
export const CancelBody = Type.Object({ reason: Type.Optional(Text(500, { minLength: 0 })), version: Version }, { additionalProperties: false });
export const VersionBody = Type.Object({ version: Version }, { additionalProperties: false });

export const AppointmentListQuery = Type.Object({
  patientId: Type.Optional(Uuid),
  professionalId: Type.Optional(Uuid),
  date: Type.Optional(Day),
  status: Type.Optional(Text(32)),
});

export const TodayQuery = Type.Object({ professionalId: Type.Optional(Uuid) });

export const FreeSlotsParams = Type.Object({ orgId: Type.String(), professionalId: Uuid });
export const FreeSlotsQuery = Type.Object({ date: Day });
export const FreeSlotsBody = Type.Object({
  professionalId: Uuid,
  date: Type.String(),
  slotMinutes: Type.Integer(),
  slots: Type.Array(Type.Object({ startsAt: Type.String(), endsAt: Type.String() })),
});
