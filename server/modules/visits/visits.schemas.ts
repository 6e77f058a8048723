import { Type } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { vitalRanges } from './vitals';

export const VisitParams = Type.Object({ orgId: Type.String(), visitId: Uuid });
export const Version = Type.Optional(Type.Integer({ minimum: 1, description: 'The version read; a stale one answers 409' }));

const reading = (name: keyof typeof vitalRanges, integer = false) => {
  const { minimum, maximum, unit } = vitalRanges[name];
  return Type.Optional((integer ? Type.Integer : Type.Number)({ minimum, maximum, description: unit }));
};

export const VitalsInput = Type.Object(
  {
    heightCm: reading('heightCm'),
    weightKg: reading('weightKg'),
    systolic: reading('systolic', true),
    diastolic: reading('diastolic', true),
    pulse: reading('pulse', true),
    temperatureC: reading('temperatureC'),
  },
  { additionalProperties: false },
);

export const CheckInBody = Type.Object(
  {
    appointmentId: Type.Optional(Uuid),
    patientId: Type.Optional(Uuid),
    professionalId: Type.Optional(Uuid),
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1, description: '0 normal, 1 urgent' })),
    validityDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
    vitals: VitalsInput,
  },
  { additionalProperties: false },
);

export const VitalsBody = Type.Object({
  heightCm: Type.Union([Type.Number(), Type.Null()]),
  weightKg: Type.Union([Type.Number(), Type.Null()]),
  systolic: Type.Union([Type.Integer(), Type.Null()]),
  diastolic: Type.Union([Type.Integer(), Type.Null()]),
  pulse: Type.Union([Type.Integer(), Type.Null()]),
  temperatureC: Type.Union([Type.Number(), Type.Null()]),
  recordedAt: Type.String(),
});

export const SessionBody = Type.Object({
  id: Uuid,
  sessionNumber: Type.Integer(),
  status: Type.String(),
  doctorUserId: Uuid,
  startedAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
});

export const PrescriptionItemBody = Type.Object({
  id: Uuid,
  medicine: Type.String(),
  dosage: Type.String(),
  frequency: Type.String(),
  duration: Type.String(),
  status: Type.String(),
  addedInSessionId: Uuid,
  stoppedInSessionId: Type.Union([Uuid, Type.Null()]),
  createdAt: Type.String(),
  stoppedAt: Type.Union([Type.String(), Type.Null()]),
});

export const PrescriptionBody = Type.Object({ id: Uuid, createdAt: Type.String(), items: Type.Array(PrescriptionItemBody) });

/** A visit as the staff screens show it (the patient's name included, their history not). */
export const VisitBody = Type.Object({
  id: Uuid,
  patientId: Uuid,
  patientName: Type.String(),
  recordNumber: Type.String(),
  age: Type.Integer(),
  gender: Type.String(),
  professionalId: Uuid,
  professionalName: Type.String(),
  room: Type.String(),
  doctorUserId: Uuid,
  appointmentId: Type.Union([Uuid, Type.Null()]),
  ticketNumber: Type.String(),
  priority: Type.Integer(),
  status: Type.String(),
  checkedInAt: Type.String(),
  calledAt: Type.Union([Type.String(), Type.Null()]),
  expiresAt: Type.String(),
  validityDays: Type.Integer(),
  hasPrescription: Type.Boolean(),
  quotedWaitMinutes: Type.Union([Type.Integer(), Type.Null()]),
  version: Type.Integer(),
  allowed: Type.Array(Type.String(), { description: 'Events the caller may send now' }),
});

export const CheckedInBody = Type.Object({ ...VisitBody.properties, statusToken: Type.String({ description: "For the patient's live status page" }) });

export const VisitDetailBody = Type.Object({
  ...VisitBody.properties,
  vitals: Type.Union([VitalsBody, Type.Null()]),
  sessions: Type.Array(SessionBody),
  prescription: Type.Union([PrescriptionBody, Type.Null()]),
});

export const visitEventTypes = ['cancel', 'noShow', 'requeue', 'recall', 'close', 'expire'] as const;
export const VisitEventBody = Type.Object({ type: Type.Enum(visitEventTypes), version: Version }, { additionalProperties: false });
export const VersionBody = Type.Object({ version: Version }, { additionalProperties: false });

export const PortalVisitBody = Type.Object({
  id: Uuid,
  checkedInAt: Type.String(),
  status: Type.String(),
  ticketNumber: Type.String(),
  professionalName: Type.String(),
  specialty: Type.String(),
  room: Type.String(),
  hasPrescription: Type.Boolean(),
  prescriptionReady: Type.Boolean({ description: 'A prescription can be downloaded' }),
  statusToken: Type.Union([Type.String(), Type.Null()], { description: 'For the live status page, while the visit is open' }),
});

export const PortalVisitsBody = Type.Object({ current: Type.Array(PortalVisitBody), past: Type.Array(PortalVisitBody) });
