import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call, TestApp } from '../helpers/test-app';
import { clinicApp, auditRows, ok, patientPayload, registerPatient, seedClinic, slotFromNow, walkIn, type Clinic } from './clinic-support';

let t: TestApp;
let call: Call;
let c: Clinic;
let other: Clinic;

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  other = await seedClinic(t, call, 'Another Clinic');
});
afterAll(() => t.close());

const post = (path: string, token: string, payload: object = {}, clinic = c) => call({ method: 'POST', url: clinic.url(path), token, payload });
const sql = <T>(text: string, params: unknown[] = []) => t.orm.em.fork().getConnection().execute<T[]>(text, params);
const item = (medicine: string, extra: Record<string, unknown> = {}) => ({ medicine, dosage: '1 tablet', frequency: 'every 8 hours', duration: '5 days', ...extra });

/** A patient walked in to the doctor and in the chair: the doctor's open session takes prescriptions. */
async function inConsultation(patientId: string, doctor: Clinic['drA'], clinic = c) {
  const visit = await walkIn(call, clinic, patientId, doctor.professionalId);
  await ok(post('/queue/me/call-next', doctor.token, {}, clinic));
  await ok(post(`/visits/${visit.id}/start`, doctor.token, {}, clinic));
  return { visitId: visit.id, prescribe: (payload: object) => post(`/visits/${visit.id}/prescription/items`, doctor.token, payload, clinic) };
}

const itemsOf = (visitId: string) =>
  sql<{ medicine: string; allergy_override: { substance: string; reason: string | null }[] | null }>(
    'select i.medicine, i.allergy_override from prescription_items i join prescriptions p on p.id = i.prescription_id where p.visit_id = ? order by i.created_at',
    [visitId],
  );

describe('allergies on the patient record', () => {
  it('are entered at registration, kept structured, shown on the profile and audited by name only', async () => {
    const patient = await registerPatient(call, c, {
      medicalHistory: null,
      allergies: [{ substance: ' penicillins ', reaction: 'Anaphylaxis', severity: 'severe' }, { substance: 'Latex gloves' }],
    });
    expect(patient.allergies).toEqual([
      { substance: 'penicillins', reaction: 'Anaphylaxis', severity: 'severe' },
      { substance: 'Latex gloves', reaction: null, severity: null },
    ]);
    const profile = await ok(call({ method: 'GET', url: c.url(`/patients/${patient.id}`), token: c.tokens.receptionist }));
    expect(profile.patient.allergies).toEqual(patient.allergies);
    const [created] = (await auditRows(t, c.org.orgId, 'patient.create')).filter((row) => row.entity_id === patient.id);
    expect(created!.changed_fields).toContain('allergies');
    expect(JSON.stringify(await sql('select * from audit_events where entity_id = ?', [patient.id]))).not.toContain('Anaphylaxis');
  });

  it('refuses a bad allergy with 400 naming it, and registers nobody', async () => {
    const before = (await sql<{ count: string }>('select count(*) from patients'))[0]!.count;
    const badSeverity = await post('/patients', c.tokens.receptionist, patientPayload({ allergies: [{ substance: 'penicillins', severity: 'deadly' }] }));
    expect(badSeverity.statusCode).toBe(400);
    expect(badSeverity.json().fields.map((f: { field: string }) => f.field)).toEqual(['allergies.0.severity']);
    const twice = await post('/patients', c.tokens.receptionist, patientPayload({ allergies: [{ substance: 'nsaids' }, { substance: 'NSAIDs ' }] }));
    expect(twice.statusCode).toBe(400);
    expect(twice.json().fields).toEqual([{ field: 'allergies.1.substance', message: 'is already in the list' }]);
    const unknownField = await post('/patients', c.tokens.receptionist, patientPayload({ allergies: [{ substance: 'latex', since: 2010 }] }));
    expect(unknownField.statusCode).toBe(400);
    expect((await sql<{ count: string }>('select count(*) from patients'))[0]!.count).toBe(before);
  });

  it('are changed by the desk and the assigned doctor with the version read; a stale version answers 409', async () => {
    const patient = await registerPatient(call, c, { medicalHistory: null });
    const url = c.url(`/patients/${patient.id}/allergies`);
    const read = await ok(call({ method: 'GET', url, token: c.tokens.receptionist }));
    expect(read).toEqual({ allergies: [], version: patient.version });
    const byDesk = await ok(call({ method: 'PUT', url, token: c.tokens.receptionist, payload: { allergies: [{ substance: 'chlorhexidine', severity: 'mild' }], version: read.version } }));
    expect(byDesk.allergies).toEqual([{ substance: 'chlorhexidine', reaction: null, severity: 'mild' }]);
    const stale = await call({ method: 'PUT', url, token: c.tokens.receptionist, payload: { allergies: [], version: read.version } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toBe('stale_version');
    // A doctor not yet assigned to the patient sees nothing; once the patient is with them, they record what they find.
    expect((await call({ method: 'PUT', url, token: c.drA.token, payload: { allergies: [], version: byDesk.version } })).statusCode).toBe(404);
    await ok(post('/appointments', c.tokens.receptionist, { patientId: patient.id, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt: slotFromNow(3) }), 201);
    const byDoctor = await ok(call({ method: 'PUT', url, token: c.drA.token, payload: { allergies: [...byDesk.allergies, { substance: 'sulfonamides', reaction: 'Rash' }], version: byDesk.version } }));
    expect(byDoctor.allergies.map((a: { substance: string }) => a.substance)).toEqual(['chlorhexidine', 'sulfonamides']);
    expect((await call({ method: 'PUT', url, token: c.tokens.patient, payload: { allergies: [], version: byDoctor.version } })).statusCode).toBe(403);
    const changes = (await auditRows(t, c.org.orgId, 'patient.update')).filter((row) => row.entity_id === patient.id);
    expect(changes.map((row) => [row.actor_role, row.changed_fields])).toEqual([
      ['receptionist', ['allergies']],
      ['doctor', ['allergies']],
    ]);
    // The patient's details are not the doctor's to change through the allergy list.
    const widened = await call({ method: 'PUT', url, token: c.drA.token, payload: { allergies: [], version: byDoctor.version, fullName: 'Someone Else' } });
    expect(widened.statusCode).toBe(400);
  });

  it('answers 404 for another clinic’s patient', async () => {
    const theirs = await registerPatient(call, other, { allergies: [{ substance: 'penicillins' }] }, other.tokens.receptionist);
    const url = c.url(`/patients/${theirs.id}/allergies`);
    expect((await call({ method: 'GET', url, token: c.tokens.receptionist })).statusCode).toBe(404);
    expect((await call({ method: 'PUT', url, token: c.tokens.receptionist, payload: { allergies: [], version: theirs.version } })).statusCode).toBe(404);
    const [{ allergies }] = await sql<{ allergies: unknown }>('select allergies from patients where id = ?', [theirs.id]);
    expect(allergies).toEqual([{ substance: 'penicillins', reaction: null, severity: null }]);
  });
});

describe('prescribing against allergies', () => {
  it('warns of a penicillin for a penicillin-allergic patient with 409 naming allergy, medicine and class, and writes nothing', async () => {
    const patient = await registerPatient(call, c, { medicalHistory: null, allergies: [{ substance: 'penicillins', reaction: 'Hives', severity: 'severe' }, { substance: 'nsaids' }] });
    const { visitId, prescribe } = await inConsultation(patient.id, c.drA);
    const auditBefore = await auditRows(t, c.org.orgId);

    const refused = await prescribe(item('Amoxicillin 500 mg'));
    expect(refused.statusCode).toBe(409);
    const body = refused.json();
    expect(body.error).toBe('allergy_warning');
    expect(body.message).toContain('Penicillins');
    expect(body.message).toContain('Amoxicillin 500 mg');
    expect(body.warnings).toEqual([
      expect.objectContaining({ substance: 'penicillins', source: 'allergies', severity: 'severe', reaction: 'Hives', medicine: 'Amoxicillin 500 mg', match: 'class', classCode: 'penicillins', className: 'Penicillins' }),
    ]);
    expect(await sql('select id from prescriptions where visit_id = ?', [visitId])).toEqual([]);
    expect(await auditRows(t, c.org.orgId)).toHaveLength(auditBefore.length);

    // An acknowledgement must name the allergy warned of.
    expect((await prescribe(item('Amoxicillin 500 mg', { acknowledgeAllergies: [{ substance: 'latex' }] }))).statusCode).toBe(409);

    const added = await ok(prescribe(item('Amoxicillin 500 mg', { acknowledgeAllergies: [{ substance: 'Penicillins', reason: 'Tolerated a full course in 2024 under observation' }] })), 201);
    expect(added.items.map((i: { medicine: string }) => i.medicine)).toEqual(['Amoxicillin 500 mg']);
    expect(await itemsOf(visitId)).toEqual([{ medicine: 'Amoxicillin 500 mg', allergy_override: [{ substance: 'penicillins', reason: 'Tolerated a full course in 2024 under observation' }] }]);
    const [override] = await auditRows(t, c.org.orgId, 'prescription.allergyOverride');
    expect(override).toMatchObject({ entity_type: 'PrescriptionItem', actor_user_id: c.drA.userId, actor_role: 'doctor', changed_fields: ['medicine', 'allergyOverride'] });
    const trail = JSON.stringify(await sql('select * from audit_events where org_id = ?', [c.org.orgId]));
    for (const secret of ['Amoxicillin', 'Tolerated', 'Hives', 'penicillins']) expect(trail).not.toContain(secret);
    for (const secret of ['Amoxicillin', 'Tolerated', 'Hives']) expect(t.logs()).not.toContain(secret);
  });

  it('warns of a cephalosporin (cross-reactivity) and of an NSAID, not of paracetamol', async () => {
    const patient = await registerPatient(call, c, { medicalHistory: null, allergies: [{ substance: 'penicillins' }, { substance: 'nsaids', reaction: 'Asthma attack' }] });
    const { visitId, prescribe } = await inConsultation(patient.id, c.drB);

    const cefalexin = await prescribe(item('Cefalexin 500 mg'));
    expect(cefalexin.statusCode).toBe(409);
    expect(cefalexin.json().warnings).toEqual([expect.objectContaining({ substance: 'penicillins', match: 'crossReaction', classCode: 'cephalosporins', className: 'Cephalosporins' })]);
    expect(cefalexin.json().message).toMatch(/beta-lactam/);

    const ibuprofen = await prescribe(item('Ibuprofen 400 mg'));
    expect(ibuprofen.statusCode).toBe(409);
    expect(ibuprofen.json().warnings).toEqual([expect.objectContaining({ substance: 'nsaids', match: 'class', className: expect.stringContaining('NSAIDs'), medicine: 'Ibuprofen 400 mg' })]);
    // Brand names common in Brazil and India are known too.
    expect((await prescribe(item('Nisulid 100 mg'))).json().warnings[0].classCode).toBe('nsaids');

    await ok(prescribe(item('Paracetamol 750 mg')), 201);
    expect((await itemsOf(visitId)).map((i) => [i.medicine, i.allergy_override])).toEqual([['Paracetamol 750 mg', null]]);
  });

  it('needs every allergy named acknowledged when a medicine matches several', async () => {
    const patient = await registerPatient(call, other, { medicalHistory: null, allergies: [{ substance: 'penicillins' }, { substance: 'amoxicillin' }] }, other.tokens.receptionist);
    const { visitId, prescribe } = await inConsultation(patient.id, other.drB, other);
    const refused = await prescribe(item('Amoxil 875 mg'));
    expect(refused.json().warnings.map((w: { substance: string; match: string }) => [w.substance, w.match])).toEqual([
      ['penicillins', 'class'],
      ['amoxicillin', 'same'],
    ]);
    const half = await prescribe(item('Amoxil 875 mg', { acknowledgeAllergies: [{ substance: 'penicillins' }] }));
    expect(half.statusCode).toBe(409);
    expect(half.json().message).toContain('amoxicillin');
    await ok(prescribe(item('Amoxil 875 mg', { acknowledgeAllergies: [{ substance: 'penicillins' }, { substance: 'amoxicillin' }] })), 201);
    expect((await itemsOf(visitId))[0]!.allergy_override).toEqual([
      { substance: 'penicillins', reason: null },
      { substance: 'amoxicillin', reason: null },
    ]);
  });

  it('reads an allergy the medical history states in so many words', async () => {
    const patient = await registerPatient(call, other, { medicalHistory: 'Type 2 diabetes; penicillin allergy' }, other.tokens.receptionist);
    const { prescribe } = await inConsultation(patient.id, other.drA, other);
    const refused = await prescribe(item('Amoxicillin'));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().warnings).toEqual([expect.objectContaining({ substance: 'penicillin', source: 'medicalHistory', classCode: 'penicillins' })]);
    expect(refused.json().message).toContain('medical history');
  });

  it('answers 404 for another clinic’s visit, warning of nothing', async () => {
    const theirs = await registerPatient(call, other, { allergies: [{ substance: 'penicillins' }] }, other.tokens.receptionist);
    const visit = await walkIn(call, other, theirs.id, other.drB.professionalId);
    const refused = await post(`/visits/${visit.id}/prescription/items`, c.drA.token, item('Amoxicillin'));
    expect(refused.statusCode).toBe(404);
    expect(refused.body).not.toContain('penicillin');
  });
});
