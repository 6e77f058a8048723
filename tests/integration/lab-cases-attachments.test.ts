import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../workflows/roles';
import { addDays, localToday } from '../../server/modules/lab-cases/lab-cases.service';
import { caller, createTestApp, type Call, type TestApp } from '../helpers/test-app';
import { seedOrg, tokensFor, type SeededOrg } from '../helpers/factories';
import { serverTimeZone } from '../../server/shared/time-zone';

let t: TestApp;
let call: Call;
let lab: SeededOrg;
let tokens: Record<Role, string>;
let otherLab: SeededOrg;
let otherTokens: Record<Role, string>;
let caseId: string;
let dentistCaseId: string;

const limitBytes = 1024 * 1024;
const casesUrl = (orgId = lab.orgId) => `/api/v1/orgs/${orgId}/cases`;
const attachmentsUrl = (id = caseId, orgId = lab.orgId) => `${casesUrl(orgId)}/${id}/attachments`;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Every file kept under the test's storage directory, relative to it. */
function storedFiles(): string[] {
  const dir = t.config.storageDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
}

function form(name: string, bytes: Buffer, field = 'file'): FormData {
  const data = new FormData();
  data.append(field, new Blob([new Uint8Array(bytes)]), name);
  return data;
}

const upload = (name: string, bytes: Buffer, token = tokens.designer, url = attachmentsUrl()) => call({ method: 'POST', url, token, payload: form(name, bytes) });

// Real-shaped files, small.
const asciiStl = Buffer.from(
  'solid crown_11\n  facet normal 0 0 1\n    outer loop\n      vertex 0 0 0\n      vertex 1 0 0\n      vertex 0 1 0\n    endloop\n  endfacet\nendsolid crown_11\n',
);
function binaryStl(triangles: number, header = 'binary STL from the intraoral scanner'): Buffer {
  const bytes = Buffer.alloc(84 + 50 * triangles);
  bytes.write(header, 0, 'latin1');
  bytes.writeUInt32LE(triangles, 80);
  for (let i = 0; i < triangles; i++) bytes.writeFloatLE(i / 3, 84 + 50 * i + 12);
  return bytes;
}
function dicom(): Buffer {
  const bytes = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), randomBytes(600)]);
  return bytes;
}
const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3000)]);

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_LIMIT_MB: '1' });
  call = caller(t.app);
  lab = await seedOrg(t.orm, 'lab', ['org_admin', 'designer', 'dentist']);
  otherLab = await seedOrg(t.orm, 'lab', ['org_admin', 'dentist']);
  tokens = await tokensFor(call, lab);
  otherTokens = await tokensFor(call, otherLab);
  const make = async (token: string) => {
    const response = await call({
      method: 'POST',
      url: casesUrl(),
      token,
      payload: { patientName: 'Aiko Tanaka', material: 'Zirconia', caseType: 'Implant crown', toothNumbers: ['36'], dueDate: addDays(localToday(serverTimeZone), 10) },
    });
    return response.json().id as string;
  };
  caseId = await make(tokens.org_admin);
  dentistCaseId = await make(tokens.dentist);
});
afterAll(async () => {
  await t.close();
  rmSync(t.config.storageDir, { recursive: true, force: true });
});

describe('case attachments', () => {
  it.each([
    ['ASCII STL', 'crown_11.stl', asciiStl, 'stl'],
    ['binary STL', 'upper-arch.stl', binaryStl(200), 'stl'],
    ['binary STL whose header starts with "solid"', 'solidworks.stl', binaryStl(3, 'solid exported by CAD, but binary'), 'stl'],
    ['DICOM', 'cbct-slice.dcm', dicom(), 'dicom'],
    ['PDF', 'prescription.pdf', pdf, 'pdf'],
  ] as const)('takes a %s and gives back the same bytes and checksum', async (_, name, bytes, kind) => {
    const response = await upload(name, bytes);
    expect(response.statusCode, response.body).toBe(201);
    const attachment = response.json();
    expect(attachment).toMatchObject({ caseId, kind, originalName: name, size: bytes.length, sha256: sha256(bytes), uploadedBy: lab.members.designer.userId });
    const download = await call({ method: 'GET', url: `${attachmentsUrl()}/${attachment.id}`, token: tokens.org_admin });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(bytes)).toBe(true);
    expect(download.headers['x-checksum-sha256']).toBe(sha256(bytes));
    expect(download.headers['content-disposition']).toContain(`filename="${name}"`);
    expect(download.headers['content-type']).toBe({ stl: 'model/stl', dicom: 'application/dicom', pdf: 'application/pdf' }[kind]);
    const [row] = await t.orm.em.getConnection().execute<{ storage_key: string }[]>('select storage_key from case_attachments where id = ?', [attachment.id]);
    expect(row!.storage_key).toMatch(new RegExp(`^${lab.orgId}/${caseId}/[0-9a-f-]{36}$`));
    expect(storedFiles()).toContain(row!.storage_key);
  });

  it('lists them, oldest first', async () => {
    const response = await call({ method: 'GET', url: attachmentsUrl(), token: tokens.dentist });
    // The dentist is not this case's dentist.
    expect(response.statusCode).toBe(404);
    const list = await call({ method: 'GET', url: attachmentsUrl(), token: tokens.designer });
    expect(list.json().items.map((a: { originalName: string }) => a.originalName)).toEqual(['crown_11.stl', 'upper-arch.stl', 'solidworks.stl', 'cbct-slice.dcm', 'prescription.pdf']);
  });

  it('strips paths and control characters from the stored name', async () => {
    const response = await upload('../../etc/crown\u0007 <final>.stl', asciiStl);
    expect(response.json().originalName).toBe('crown final.stl');
    const unicode = await upload('Zahnkrone Müller.pdf', pdf);
    const download = await call({ method: 'GET', url: `${attachmentsUrl()}/${unicode.json().id}`, token: tokens.designer });
    expect(download.headers['content-disposition']).toBe(`attachment; filename="Zahnkrone M_ller.pdf"; filename*=UTF-8''Zahnkrone%20M%C3%BCller.pdf`);
  });

  it('answers 415 for content it does not recognise, whatever the name, and keeps nothing', async () => {
    const before = storedFiles();
    for (const [name, bytes] of [
      ['scan.stl', png],
      ['scan.stl', Buffer.from('solid but no triangles here\nendsolid\n')],
      ['almost.stl', binaryStl(10).subarray(0, 84 + 50 * 9)],
      ['empty.pdf', Buffer.alloc(0)],
      ['short.dcm', Buffer.concat([Buffer.alloc(128), Buffer.from('DIC')])],
    ] as const) {
      const response = await upload(name, bytes);
      expect(response.statusCode, name).toBe(415);
      expect(response.json().error).toBe('unsupported_media_type');
    }
    expect(storedFiles()).toEqual(before);
    const notMultipart = await call({ method: 'POST', url: attachmentsUrl(), token: tokens.designer, payload: { file: 'solid' } });
    expect(notMultipart.statusCode).toBe(415);
  });

  it('answers 413 over the size limit and keeps nothing', async () => {
    const before = storedFiles();
    const tooBig = binaryStl((limitBytes - 84) / 50 + 10);
    const response = await upload('full-arch.stl', tooBig);
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toBe('payload_too_large');
    const noise = await upload('noise.pdf', Buffer.alloc(limitBytes + 1, 0xff));
    expect(noise.statusCode).toBe(413);
    expect(storedFiles()).toEqual(before);
    // Exactly at the limit is fine.
    const atLimit = Buffer.concat([pdf, Buffer.alloc(limitBytes - pdf.length, 0x20)]);
    expect((await upload('at-limit.pdf', atLimit)).statusCode).toBe(201);
  });

  it('answers 400 naming the file when there is none', async () => {
    const data = new FormData();
    data.append('note', 'no file here');
    const response = await call({ method: 'POST', url: attachmentsUrl(), token: tokens.designer, payload: data });
    expect(response.statusCode).toBe(400);
    expect(response.json().fields).toEqual([{ field: 'file', message: expect.any(String) }]);
  });

  it('serves files only to members of the lab who may see the case', async () => {
    const own = await upload('mine.pdf', pdf, tokens.dentist, attachmentsUrl(dentistCaseId));
    expect(own.statusCode).toBe(201);
    const attachment = `${attachmentsUrl(dentistCaseId)}/${own.json().id}`;
    expect((await call({ method: 'GET', url: attachment, token: tokens.dentist })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: attachment })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: attachment, token: otherTokens.org_admin })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: `${attachmentsUrl(dentistCaseId, otherLab.orgId)}/${own.json().id}`, token: otherTokens.org_admin })).statusCode).toBe(404);
    // The right attachment id under the wrong case is not found either.
    expect((await call({ method: 'GET', url: `${attachmentsUrl(caseId)}/${own.json().id}`, token: tokens.org_admin })).statusCode).toBe(404);
    expect((await upload('theirs.pdf', pdf, otherTokens.dentist, attachmentsUrl(dentistCaseId, otherLab.orgId))).statusCode).toBe(404);
  });

  it('deletes an attachment with its file, and audits uploads and deletes', async () => {
    const uploaded = await upload('remove-me.pdf', pdf);
    const id = uploaded.json().id;
    const [stored] = await t.orm.em.getConnection().execute<{ storage_key: string }[]>('select storage_key from case_attachments where id = ?', [id]);
    expect(existsSync(join(t.config.storageDir, stored!.storage_key))).toBe(true);
    expect((await call({ method: 'DELETE', url: `${attachmentsUrl()}/${id}`, token: tokens.designer })).statusCode).toBe(204);
    expect(existsSync(join(t.config.storageDir, stored!.storage_key))).toBe(false);
    expect((await call({ method: 'GET', url: `${attachmentsUrl()}/${id}`, token: tokens.designer })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', url: `${attachmentsUrl()}/${id}`, token: tokens.designer })).statusCode).toBe(404);
    const audit = await t.orm.em.getConnection().execute<{ action: string; changed_fields: string[] }[]>('select action, changed_fields from audit_events where entity_id = ? order by at', [id]);
    expect(audit.map((a) => [a.action, a.changed_fields])).toEqual([
      ['case.attachment.create', ['kind', 'originalName', 'size', 'sha256']],
      ['case.attachment.delete', []],
    ]);
  });

  it('removes the files of a deleted case', async () => {
    const response = await call({
      method: 'POST',
      url: casesUrl(),
      token: tokens.org_admin,
      payload: { patientName: 'Short Lived', material: 'PMMA', caseType: 'Temporary', dueDate: addDays(localToday(serverTimeZone), 2) },
    });
    const id = response.json().id;
    await upload('temp.stl', asciiStl, tokens.org_admin, attachmentsUrl(id));
    expect(storedFiles().some((f) => f.startsWith(`${lab.orgId}/${id}/`))).toBe(true);
    expect((await call({ method: 'DELETE', url: `${casesUrl()}/${id}`, token: tokens.org_admin })).statusCode).toBe(204);
    expect(storedFiles().some((f) => f.startsWith(`${lab.orgId}/${id}/`))).toBe(false);
  });
});
