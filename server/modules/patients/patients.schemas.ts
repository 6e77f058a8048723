import { Type, type Static } from 'typebox';
import { Uuid } from '../../shared/http-schemas';
import { genders } from './patient.entity';

/**
 * Free text bound for the database: PostgreSQL text cannot hold a NUL character, so it is refused
 * here as a 400 rather than failing in the driver.
 */
export const Text = (maxLength: number, options: { minLength?: number; description?: string } = {}) =>
  Type.String({ minLength: options.minLength ?? 1, maxLength, pattern: '^[^\\u0000]*$', ...(options.description ? { description: options.description } : {}) });
const Day = Type.String({ format: 'date', description: 'A calendar date, YYYY-MM-DD' });
const Email = Type.String({ format: 'email', maxLength: 320 });
const Phone = Type.String({ minLength: 8, maxLength: 32, description: "With its country code (+55 11 91234-5678) or as dialled in the clinic's country; stored as E.164" });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const allergySeverities = ['mild', 'moderate', 'severe'] as const;

/** One allergy as the record keeps it: a drug class code from the data file (e.g. 'penicillins'), a medicine or free text. */
export const AllergyBody = Type.Object(
  {
    substance: Text(200, { description: "A drug class code (penicillins, cephalosporins, nsaids, sulfonamides, amide-local-anaesthetics, ester-local-anaesthetics, latex, chlorhexidine), a medicine or free text" }),
    reaction: Type.Union([Text(500), Type.Null()]),
    severity: Type.Union([Type.Enum(allergySeverities), Type.Null()]),
  },
  { additionalProperties: false },
);
export type Allergy = Static<typeof AllergyBody>;

const NewAllergy = Type.Object(
  { substance: AllergyBody.properties.substance, reaction: Type.Optional(AllergyBody.properties.reaction), severity: Type.Optional(AllergyBody.properties.severity) },
  { additionalProperties: false },
);
const Allergies = Type.Array(NewAllergy, { maxItems: 50 });

export const PatientParams = Type.Object({ orgId: Type.String(), patientId: Uuid });

export const PatientBody = Type.Object({
  id: Uuid,
  recordNumber: Type.String(),
  fullName: Type.String(),
  dateOfBirth: Type.String(),
  age: Type.Integer(),
  gender: Type.Enum(genders),
  phone: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  medicalHistory: Type.Union([Type.String(), Type.Null()]),
  allergies: Type.Array(AllergyBody),
  consentEmail: Type.Boolean(),
  consentWhatsapp: Type.Boolean(),
  hideOnPublicScreens: Type.Boolean(),
  hasLogin: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  version: Type.Integer(),
});

const patientFields = {
  fullName: Text(200),
  dateOfBirth: Day,
  gender: Type.Enum(genders),
  phone: Phone,
  email: Type.Optional(Nullable(Email)),
  address: Type.Optional(Nullable(Text(2000, { minLength: 0 }))),
  medicalHistory: Type.Optional(Nullable(Text(20_000, { minLength: 0 }))),
  allergies: Type.Optional(Allergies),
  consentEmail: Type.Optional(Type.Boolean()),
  consentWhatsapp: Type.Optional(Type.Boolean()),
  hideOnPublicScreens: Type.Optional(Type.Boolean()),
};

export const NewPatientBody = Type.Object(patientFields, { additionalProperties: false });

export const SelfRegistrationBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 200 }),
    fullName: patientFields.fullName,
    dateOfBirth: patientFields.dateOfBirth,
    gender: patientFields.gender,
    phone: patientFields.phone,
    address: patientFields.address,
    consentEmail: patientFields.consentEmail,
    consentWhatsapp: patientFields.consentWhatsapp,
    hideOnPublicScreens: patientFields.hideOnPublicScreens,
  },
  { additionalProperties: false },
);

export const PatientChangesBody = Type.Object(
  {
    fullName: Type.Optional(patientFields.fullName),
    dateOfBirth: Type.Optional(patientFields.dateOfBirth),
    gender: Type.Optional(patientFields.gender),
    phone: Type.Optional(patientFields.phone),
    email: patientFields.email,
    address: patientFields.address,
    medicalHistory: patientFields.medicalHistory,
    consentEmail: patientFields.consentEmail,
    consentWhatsapp: patientFields.consentWhatsapp,
    hideOnPublicScreens: patientFields.hideOnPublicScreens,
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'The version read; a stale one answers 409' })),
  },
  { minProperties: 1, additionalProperties: false },
);

/** The whole list, replacing what the record had: the version read keeps two editors from dropping each other's entries. */
export const AllergiesChangeBody = Type.Object(
  { allergies: Allergies, version: Type.Integer({ minimum: 1, description: 'The version read; a stale one answers 409' }) },
  { additionalProperties: false },
);

export const PatientAllergiesBody = Type.Object({ allergies: Type.Array(AllergyBody), version: Type.Integer() });

export const PatientListQuery = Type.Object({
  q: Type.Optional(Text(200, { description: 'Part of the name, phone or record number' })),
  visitDate: Type.Optional(Day),
  doctorUserId: Type.Optional(Uuid),
  treatment: Type.Optional(Text(200)),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  pageSize: Type.Integer({ minimum: 1, maximum: 200, default: 25 }),
  cursor: Type.Optional(Text(200)),
});

export const PatientSummaryBody = Type.Object({
  id: Uuid,
  recordNumber: Type.String(),
  fullName: Type.String(),
  dateOfBirth: Type.String(),
  age: Type.Integer(),
  gender: Type.Enum(genders),
  phone: Type.String(),
});

export const PatientListBody = Type.Object({
  items: Type.Array(PatientSummaryBody),
  total: Type.Integer(),
  page: Type.Union([Type.Integer(), Type.Null()]),
  pageSize: Type.Integer(),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const TreatmentBody = Type.Object({
  id: Uuid,
  patientId: Uuid,
  appointmentId: Type.Union([Uuid, Type.Null()]),
  visitId: Type.Union([Uuid, Type.Null()]),
  doctorUserId: Uuid,
  doctorName: Type.String(),
  diagnosis: Type.String(),
  notes: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
});

export const NewTreatmentBody = Type.Object(
  {
    diagnosis: Text(5000),
    notes: Type.Optional(Text(20_000, { minLength: 0 })),
    visitId: Type.Optional(Uuid),
    appointmentId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const ProfileBody = Type.Object({
  patient: PatientBody,
  appointments: Type.Array(
    Type.Object({
      id: Uuid,
      startsAt: Type.String(),
      durationMinutes: Type.Integer(),
      treatment: Type.String(),
      status: Type.String(),
      professionalId: Uuid,
      professionalName: Type.String(),
    }),
  ),
  visits: Type.Array(
    Type.Object({
      id: Uuid,
      checkedInAt: Type.String(),
      status: Type.String(),
      ticketNumber: Type.String(),
      professionalId: Uuid,
      professionalName: Type.String(),
    }),
  ),
  treatments: Type.Array(TreatmentBody),
});
