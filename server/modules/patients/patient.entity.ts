import { defineEntity, type InferEntity } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrgSchema } from '../orgs/org.entity';
import { UserSchema } from '../auth/user.entity';
import type { Allergy } from './patients.schemas';

export const genders = ['female', 'male', 'other', 'undisclosed'] as const;
export type Gender = (typeof genders)[number];

/**
 * A person registered with one clinic. Name, contact and history are health data: they go to staff
 * screens and the patient's own portal only, never to logs, audit values or public displays.
 */
export const PatientSchema = defineEntity({
  name: 'Patient',
  tableName: 'patients',
  properties: (p) => ({
    id: p.uuid().primary().onCreate(() => randomUUID()),
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id'),
    /** 'P-000123', numbered per clinic from patient_counters. */
    recordNumber: p.string().length(20),
    fullName: p.string().length(200),
    /** A calendar date ('YYYY-MM-DD'); the age is derived from it on every read. */
    dateOfBirth: p.date(),
    gender: p.enum([...genders]),
    /** E.164, e.g. '+5511912345678'. */
    phone: p.string().length(16),
    email: p.string().length(320).nullable(),
    address: p.text().nullable(),
    medicalHistory: p.text().nullable(),
    /** Checked against every medicine prescribed; empty when none is known. */
    allergies: p.json<Allergy[]>().onCreate(() => []),
    consentEmail: p.boolean().default(false),
    consentWhatsapp: p.boolean().default(false),
    /** Privacy: keep even the ticket off the waiting-room display (the patient is called in person). */
    hideOnPublicScreens: p.boolean().default(false),
    /** The patient's own login, for the portal; null for patients registered at the desk. */
    userId: p.manyToOne(UserSchema).mapToPk().fieldName('user_id').nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()),
    /** Set instead of deleting: clinical records that point at the patient must be kept. */
    deletedAt: p.datetime().nullable(),
    version: p.integer().version(),
  }),
  uniques: [{ properties: ['orgId', 'recordNumber'] }, { properties: ['orgId', 'userId'] }],
  indexes: [{ properties: ['orgId', 'fullName'] }, { properties: ['orgId', 'phone'] }],
});
export type Patient = InferEntity<typeof PatientSchema>;

/** The last record number handed out per clinic; bumped under its row lock in the registering transaction, so numbers are gap-free. */
export const PatientCounterSchema = defineEntity({
  name: 'PatientCounter',
  tableName: 'patient_counters',
  properties: (p) => ({
    orgId: p.manyToOne(OrgSchema).mapToPk().fieldName('org_id').primary(),
    lastNumber: p.integer(),
  }),
});
export type PatientCounter = InferEntity<typeof PatientCounterSchema>;
