import { expect } from 'vitest';
import type { Role } from '../../workflows/roles';
import { clinicDay } from '../../server/modules/appointments/clinic-calendar';
import { bookingRefusals, freeSlots } from '../../server/modules/appointments/booking-rules';
import { login, seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { serverTimeZone } from '../../server/shared/time-zone';

/** Shared set-up of the clinic integration files: a clinic with staff, professionals and API shortcuts. */
export interface Clinic {
  org: SeededOrg;
  tokens: Record<Role, string>;
  /** The seeded doctor's professional profile (prefix A) and a second doctor's (prefix B). */
  drA: { professionalId: string; userId: string; token: string };
  drB: { professionalId: string; userId: string; token: string };
  url: (path: string) => string;
}

export const clinicRoles: Role[] = ['org_admin', 'doctor', 'receptionist', 'medical_staff', 'patient'];

export async function seedClinic(t: TestApp, call: Call, name?: string): Promise<Clinic> {
  const org = await seedOrg(t.orm, 'clinic', clinicRoles, { name });
  const tokens = await tokensFor(call, org);
  const url = (path: string) => `/api/v1/orgs/${org.orgId}${path}`;
  const drAProfile = await ok(
    call({ method: 'POST', url: url('/professionals'), token: tokens.org_admin, payload: { membershipId: org.members.doctor.membershipId, specialty: 'General Dentistry', councilNumber: 'CRO-1234', room: 'Room 1', ticketPrefix: 'A' } }),
    201,
  );
  const email = `second.doctor.${org.orgId.slice(0, 8)}@example.test`;
  const hired = await ok(call({ method: 'POST', url: url('/staff'), token: tokens.org_admin, payload: { email, name: 'Dr. Ngozi Okafor', role: 'doctor', password: 'Second-doctor-2026' } }), 201);
  const drBProfile = await ok(
    call({ method: 'POST', url: url('/professionals'), token: tokens.org_admin, payload: { membershipId: hired.member.id, specialty: 'Orthodontics', councilNumber: 'CRO-5678', room: 'Room 2', ticketPrefix: 'B' } }),
    201,
  );
  return {
    org,
    tokens,
    url,
    drA: { professionalId: drAProfile.id, userId: org.members.doctor.userId, token: tokens.doctor },
    drB: { professionalId: drBProfile.id, userId: hired.member.user.id, token: (await login(call, email, 'Second-doctor-2026')).accessToken },
  };
}

/** A test app on its own database with a clinic seeded in it: where most clinic files start. */
export async function clinicApp(env: Record<string, string> = {}): Promise<{ t: TestApp; call: Call; c: Clinic }> {
  const t = await createTestApp(env);
  const call = caller(t.app);
  try {
    return { t, call, c: await seedClinic(t, call) };
  } catch (error) {
    // The caller never gets the app to close: drop its database here.
    await t.close();
    throw error;
  }
}

/** Awaits a response, asserts its status (showing the body when it differs) and returns the parsed JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function ok(response: Promise<{ statusCode: number; body: string; json: () => any }>, status = 200): Promise<any> {
  const r = await response;
  expect(r.statusCode, r.body).toBe(status);
  return r.body ? r.json() : null;
}

let counter = 0;
export function patientPayload(overrides: Record<string, unknown> = {}) {
  counter++;
  return {
    fullName: `Maria Souza ${counter}`,
    dateOfBirth: '1986-04-12',
    gender: 'female',
    phone: `+55 11 9${String(10_000_000 + counter).slice(-8)}`,
    email: `maria.${counter}@example.test`,
    address: 'Rua das Flores 12, São Paulo',
    medicalHistory: 'Penicillin allergy',
    consentEmail: true,
    consentWhatsapp: false,
    ...overrides,
  };
}

export const normalVitals = { heightCm: 165, weightKg: 62.5, systolic: 120, diastolic: 80, pulse: 72, temperatureC: 36.6 };

export async function registerPatient(call: Call, c: Clinic, overrides: Record<string, unknown> = {}, token = c.tokens.receptionist) {
  return ok(call({ method: 'POST', url: c.url('/patients'), token, payload: patientPayload(overrides) }), 201);
}

/**
 * A start the booking rule accepts from anyone: the `n`-th (0: the first) slot of the clinic's
 * calendar that has not begun and leaves room for `durationMinutes` before closing, counting on
 * through the nights. In the server's zone, which seedClinic's clinics keep.
 */
export function slotFromNow(n: number, durationMinutes = 30): string {
  const now = new Date();
  const rule = { now, timeZone: serverTimeZone, professional: 'the professional' };
  const starts: string[] = [];
  for (let days = 0; starts.length <= n; days++) {
    for (const { startsAt } of freeSlots(dayOf(days), [], rule)) {
      if (!bookingRefusals({ startsAt, durationMinutes }, { ...rule, booker: 'staff' }).length) starts.push(startsAt.toISOString());
    }
  }
  return starts[n]!;
}

/** A start `days` days from today at `hour`:`minute` clinic time. */
export function onDay(days: number, hour: number, minute = 0): string {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, hour, minute).toISOString();
}

export function dayOf(days: number): string {
  const now = new Date();
  return clinicDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, 12), serverTimeZone);
}

export async function walkIn(call: Call, c: Clinic, patientId: string, professionalId = c.drA.professionalId, extra: Record<string, unknown> = {}) {
  return ok(call({ method: 'POST', url: c.url('/visits/check-in'), token: c.tokens.receptionist, payload: { patientId, professionalId, vitals: normalVitals, ...extra } }), 201);
}

/** Outbox rows written so far for the clinic, oldest first. */
export async function outbox(t: TestApp, orgId: string) {
  return t.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string; type: string; rooms: string[]; payload: Record<string, unknown> }[]>('select id, type, rooms, payload from outbox_events where org_id = ? order by id', [orgId]);
}

export async function auditRows(t: TestApp, orgId: string, action?: string) {
  return t.orm.em
    .fork()
    .getConnection()
    .execute<{ action: string; entity_type: string; entity_id: string; actor_user_id: string; actor_role: string; changed_fields: string[] }[]>(
      `select action, entity_type, entity_id, actor_user_id, actor_role, changed_fields from audit_events where org_id = ? ${action ? 'and action = ?' : ''} order by at, id`,
      action ? [orgId, action] : [orgId],
    );
}
