import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import type { Call, TestApp } from '../helpers/test-app';
import { login, seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { clinicApp, slotFromNow, ok, registerPatient, seedClinic, walkIn, type Clinic } from './clinic-support';
import type { ExportedAuditEvent } from '../../server/modules/audit/audit.service';

/**
 * Issue 9, audit: an org_admin exports the whole trail of one patient (every change and every staff
 * read: who looked at whom) or one lab case, as JSON or CSV. That each staff read is audited at all
 * is proven in clinic-access.test.ts ("audits every staff read of a record: who looked at whom").
 */
let t: TestApp;
let call: Call;
let c: Clinic;
let other: Clinic;
let lab: SeededOrg;
let labTokens: Record<Role, string>;
let patient: { id: string; fullName: string; phone: string };
let neighbour: { id: string };
let visitId: string;
/** A receptionist whose name a spreadsheet would run as a formula. */
let trickster: { userId: string; token: string };

const exportUrl = (orgId: string) => `/api/v1/orgs/${orgId}/audit/export`;
const exportOf = (query: Record<string, string>, token = c.tokens.org_admin, headers: Record<string, string> = {}, orgId = c.org.orgId) =>
  call({ method: 'GET', url: exportUrl(orgId), token, query, headers });

beforeAll(async () => {
  ({ t, call, c } = await clinicApp());
  other = await seedClinic(t, call, 'Other clinic');
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  labTokens = await tokensFor(call, lab);

  patient = await registerPatient(call, c, { fullName: 'Irene Audited', phone: '+5511900112233', consentWhatsapp: false });
  neighbour = await registerPatient(call, c, { fullName: 'Nuno Neighbour' });
  const hired = await ok(call({ method: 'POST', url: c.url('/staff'), token: c.tokens.org_admin, payload: { email: 'formula@clinic.test', name: '=HYPERLINK("http://evil.test","x")', role: 'receptionist', password: 'Formula-desk-2026' } }), 201);
  trickster = { userId: hired.member.user.id, token: (await login(call, 'formula@clinic.test', 'Formula-desk-2026')).accessToken };

  // A day in the patient's life at the clinic, by several staff members.
  await ok(call({ method: 'GET', url: c.url(`/patients/${patient.id}`), token: c.tokens.receptionist }));
  await ok(call({ method: 'GET', url: c.url(`/patients/${patient.id}`), token: trickster.token }));
  await ok(call({ method: 'PATCH', url: c.url(`/patients/${patient.id}`), token: c.tokens.receptionist, payload: { address: 'Rua Nova 5', version: 1 } }));
  await ok(call({ method: 'POST', url: c.url('/appointments'), token: c.tokens.receptionist, payload: { patientId: patient.id, professionalId: c.drA.professionalId, treatment: 'Check-up', startsAt: slotFromNow(20) } }), 201);
  const visit = await walkIn(call, c, patient.id);
  visitId = visit.id;
  await ok(call({ method: 'POST', url: c.url('/queue/me/call-next'), token: c.drA.token }));
  await ok(call({ method: 'POST', url: c.url(`/visits/${visit.id}/start`), token: c.drA.token, payload: {} }));
  await ok(call({ method: 'GET', url: c.url(`/patients/${patient.id}`), token: c.drA.token }));
  await ok(call({ method: 'POST', url: c.url(`/patients/${patient.id}/treatments`), token: c.drA.token, payload: { diagnosis: 'Caries on 36', notes: 'Composite filling' } }), 201);
  // Someone else's record, read by the same people: not part of this trail.
  await ok(call({ method: 'GET', url: c.url(`/patients/${neighbour.id}`), token: c.tokens.receptionist }));
});
afterAll(async () => {
  await t.close();
  rmSync(t.config.storageDir, { recursive: true, force: true });
});

/** RFC 4180, enough for this test: quoted cells with doubled quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += ch;
  }
  return rows;
}

describe('exporting the audit trail of one patient', () => {
  it('gives every change and every staff read of the patient and their visits, appointments and treatments, oldest first', async () => {
    const response = await exportOf({ entityType: 'Patient', entityId: patient.id });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json() as { entityType: string; entityId: string; items: ExportedAuditEvent[] };
    expect(body).toMatchObject({ entityType: 'Patient', entityId: patient.id });
    const items = body.items;
    const reads = items.filter((e) => e.action === 'patient.read');
    // Who looked at whom: the desk, the formula-named receptionist, the doctor (profile, then the
    // treatments list the treatment answer does not include).
    expect(reads.map((e) => [e.actorRole, e.actorUserId, e.entityId])).toEqual(
      expect.arrayContaining([
        ['receptionist', c.org.members.receptionist.userId, patient.id],
        ['receptionist', trickster.userId, patient.id],
        ['doctor', c.drA.userId, patient.id],
      ]),
    );
    expect(reads.find((e) => e.actorUserId === c.drA.userId)!.actorName).toBe('doctor person');
    const actions = items.map((e) => `${e.entityType}:${e.action}`);
    for (const expected of ['Patient:patient.create', 'Patient:patient.update', 'Appointment:appointment.create', 'Visit:visit.checkIn', 'PatientVitals:vitals.record', 'Visit:visit.call', 'Visit:visit.start', 'TreatmentRecord:treatment.create']) {
      expect(actions, expected).toContain(expected);
    }
    expect(items.find((e) => e.action === 'patient.update')!.changedFields).toContain('address');
    expect(items.filter((e) => e.entityType === 'Visit').every((e) => e.entityId === visitId)).toBe(true);
    // Nothing about the neighbour, in time order, and names of fields only, never their values.
    expect(items.some((e) => e.entityId === neighbour.id)).toBe(false);
    expect(items.map((e) => e.at)).toEqual([...items.map((e) => e.at)].sort());
    expect(JSON.stringify(items)).not.toMatch(/Irene|Audited|900112233|Caries|Composite|Rua Nova/);
  });

  it('answers CSV for ?format=csv and for Accept: text/csv, with the export itself in the trail', async () => {
    const json = (await exportOf({ entityType: 'Patient', entityId: patient.id })).json() as { items: ExportedAuditEvent[] };
    const byQuery = await exportOf({ entityType: 'Patient', entityId: patient.id, format: 'csv' });
    expect(byQuery.statusCode).toBe(200);
    expect(byQuery.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(byQuery.headers['content-disposition']).toBe(`attachment; filename="audit-patient-${patient.id}.csv"`);
    const rows = parseCsv(byQuery.body);
    expect(rows[0]).toEqual(['at', 'action', 'entityType', 'entityId', 'actorUserId', 'actorName', 'actorRole', 'changedFields', 'requestId', 'ip', 'id']);
    // The JSON export just taken is now part of the trail.
    expect(rows).toHaveLength(1 + json.items.length + 1);
    const exportRow = rows.at(-1)!;
    expect(exportRow.slice(1, 7)).toEqual(['audit.export', 'Patient', patient.id, c.org.members.org_admin.userId, 'org_admin person', 'org_admin']);
    expect(exportRow[7]).toBe('json');
    expect(rows.slice(1, -1).map((r) => r[10])).toEqual(json.items.map((e) => e.id));
    // A name a spreadsheet would run as a formula is defused.
    const tricksterRow = rows.find((r) => r[4] === trickster.userId)!;
    expect(tricksterRow[5]).toBe(`'=HYPERLINK("http://evil.test","x")`);
    expect(byQuery.body).not.toMatch(/Irene|900112233|Caries/);

    const byAccept = await exportOf({ entityType: 'Patient', entityId: patient.id }, c.tokens.org_admin, { accept: 'text/csv' });
    expect(byAccept.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(parseCsv(byAccept.body)).toHaveLength(rows.length + 1);
    const preferJson = await exportOf({ entityType: 'Patient', entityId: patient.id }, c.tokens.org_admin, { accept: 'application/json, text/csv;q=0.5' });
    expect(preferJson.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 400 naming what is missing or malformed', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ entityId: patient.id }, 'query.entityType'],
      [{ entityType: 'Patient' }, 'query.entityId'],
      [{ entityType: 'Visit', entityId: visitId }, 'query.entityType'],
      [{ entityType: 'Patient', entityId: '../../etc/passwd' }, 'query.entityId'],
      [{ entityType: 'Patient', entityId: patient.id, format: 'xml' }, 'query.format'],
    ];
    for (const [query, field] of cases) {
      const response = await exportOf(query);
      expect(response.statusCode, JSON.stringify(query)).toBe(400);
      expect(response.json().fields.map((f: { field: string }) => f.field)).toContain(field);
    }
  });

  it('answers 401 without a valid token and 403 to every role but org_admin', async () => {
    expect((await call({ method: 'GET', url: exportUrl(c.org.orgId), query: { entityType: 'Patient', entityId: patient.id } })).statusCode).toBe(401);
    const forged = t.app.jwt.sign({ sub: c.org.members.org_admin.userId, typ: 'access', ver: 0 }, { key: 'z'.repeat(40) } as never);
    expect((await exportOf({ entityType: 'Patient', entityId: patient.id }, forged)).statusCode).toBe(401);
    for (const role of ['receptionist', 'doctor', 'medical_staff', 'patient'] as const) {
      const response = await exportOf({ entityType: 'Patient', entityId: patient.id }, c.tokens[role]);
      expect(response.statusCode, role).toBe(403);
      expect(response.body).not.toContain('patient.read');
    }
  });

  it("answers 404 for another org's patient, an unknown one, and an org the caller is not in", async () => {
    // Another clinic's admin, through their own org: the patient is not theirs.
    expect((await exportOf({ entityType: 'Patient', entityId: patient.id }, other.tokens.org_admin, {}, other.org.orgId)).statusCode).toBe(404);
    // ...and through ours: they are no member.
    expect((await exportOf({ entityType: 'Patient', entityId: patient.id }, other.tokens.org_admin)).statusCode).toBe(404);
    expect((await exportOf({ entityType: 'Patient', entityId: randomUUID() })).statusCode).toBe(404);
    // A lab case id asked for as a patient.
    expect((await exportOf({ entityType: 'LabCase', entityId: patient.id })).statusCode).toBe(404);
    // Nothing was recorded for refused exports.
    const [row] = await t.orm.em.fork().getConnection().execute<{ n: string }[]>("select count(*) as n from audit_events where action = 'audit.export' and org_id = ?", [other.org.orgId]);
    expect(Number(row!.n)).toBe(0);
  });
});

describe('exporting the audit trail of one lab case', () => {
  const casesUrl = () => `/api/v1/orgs/${lab.orgId}/cases`;
  const labExport = (entityId: string, token = labTokens.org_admin) => call({ method: 'GET', url: exportUrl(lab.orgId), token, query: { entityType: 'LabCase', entityId } });
  const dueIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

  it('gives its creation, edits, every transition and its attachments', async () => {
    const created = await ok(call({ method: 'POST', url: casesUrl(), token: labTokens.dentist, payload: { patientName: 'Cora Casefile', material: 'Zirconia', caseType: 'Crown', dueDate: dueIn(5), notes: 'Match 21' } }), 201);
    await ok(call({ method: 'PATCH', url: `${casesUrl()}/${created.id}`, token: labTokens.designer, payload: { version: 1, shade: 'B2' } }));
    await ok(call({ method: 'POST', url: `${casesUrl()}/${created.id}/events`, token: labTokens.designer, payload: { type: 'case.assignDesigner', version: 2 } }));
    const form = new FormData();
    form.append('file', new Blob([new TextEncoder().encode('solid a\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n    endloop\n  endfacet\nendsolid a\n')]), 'crown.stl');
    const uploaded = await ok(call({ method: 'POST', url: `${casesUrl()}/${created.id}/attachments`, token: labTokens.designer, payload: form }), 201);
    const response = await labExport(created.id);
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items as ExportedAuditEvent[];
    expect(items.map((e) => [e.action, e.actorRole])).toEqual([
      ['case.create', 'dentist'],
      ['case.update', 'designer'],
      ['case.transition', 'designer'],
      ['case.attachment.create', 'designer'],
    ]);
    expect(items[3]!.entityId).toBe(uploaded.id);
    expect(JSON.stringify(items)).not.toMatch(/Cora|Casefile|Match 21/);
    const csv = await call({ method: 'GET', url: exportUrl(lab.orgId), token: labTokens.org_admin, query: { entityType: 'LabCase', entityId: created.id, format: 'csv' } });
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="audit-case-${created.id}.csv"`);
    expect(parseCsv(csv.body).map((r) => r[1])).toEqual(['action', 'case.create', 'case.update', 'case.transition', 'case.attachment.create', 'audit.export']);
  });

  it('keeps the trail of a deleted case exportable', async () => {
    const created = await ok(call({ method: 'POST', url: casesUrl(), token: labTokens.org_admin, payload: { patientName: 'Dora Deleted', material: 'Emax', caseType: 'Veneer', dueDate: dueIn(4) } }), 201);
    expect((await call({ method: 'DELETE', url: `${casesUrl()}/${created.id}`, token: labTokens.org_admin })).statusCode).toBe(204);
    const response = await labExport(created.id);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().items.map((e: ExportedAuditEvent) => e.action)).toEqual(['case.create', 'case.delete']);
  });

  it('is refused to designers and dentists (403), and hides other labs’ cases and patients (404)', async () => {
    const created = await ok(call({ method: 'POST', url: casesUrl(), token: labTokens.org_admin, payload: { patientName: 'Hidden Case', material: 'PMMA', caseType: 'Temporary', dueDate: dueIn(3) } }), 201);
    expect((await labExport(created.id, labTokens.designer)).statusCode).toBe(403);
    expect((await labExport(created.id, labTokens.dentist)).statusCode).toBe(403);
    const otherLab = await seedOrg(t.orm, 'lab', ['org_admin']);
    const otherAdmin = (await tokensFor(call, otherLab)).org_admin;
    expect((await call({ method: 'GET', url: exportUrl(otherLab.orgId), token: otherAdmin, query: { entityType: 'LabCase', entityId: created.id } })).statusCode).toBe(404);
    // A patient of a clinic, asked for through the lab.
    expect((await call({ method: 'GET', url: exportUrl(lab.orgId), token: labTokens.org_admin, query: { entityType: 'Patient', entityId: patient.id } })).statusCode).toBe(404);
  });
});
