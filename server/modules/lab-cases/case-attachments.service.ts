import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { NotFoundError, PayloadTooLargeError, UnsupportedMediaError, type DomainError } from '../../shared/errors';
import type { Scope } from '../../shared/scope';
import { recordAudit } from '../audit/audit.service';
import { contentTypes, prospect, recognise, sanitiseFileName, sniffBytes } from './attachment-content';
import { removeStoredFiles, storedPath, type AttachmentStorage } from './attachment-storage';
import { CaseAttachmentSchema, type AttachmentKind, type CaseAttachment } from './case-attachment.entity';
import { findCase } from './lab-cases.service';

/** An upload as it arrives: its name and a stream of its bytes, never the whole file in memory. */
export interface IncomingFile {
  filename: string;
  content: Readable;
  /** True when the transport cut the file at the size limit. */
  truncated: () => boolean;
}

export function attachmentView(attachment: CaseAttachment) {
  return {
    id: attachment.id,
    caseId: attachment.caseId,
    kind: attachment.kind,
    originalName: attachment.originalName,
    size: attachment.size,
    sha256: attachment.sha256,
    uploadedBy: attachment.uploadedBy,
    createdAt: attachment.createdAt.toISOString(),
  };
}

const notRecognised = () => new UnsupportedMediaError('Only STL (ASCII or binary), DICOM and PDF files are accepted, recognised by their content');

/**
 * Streams an upload to `path`, hashing it on the way and looking at its first bytes. Refuses (413,
 * 415) as soon as it can tell and stops storing then, but reads the rest of the upload so the
 * client gets its answer; the caller removes what was written.
 */
async function store(file: IncomingFile, path: string, limitBytes: number): Promise<{ kind: AttachmentKind; size: number; sha256: string }> {
  const hash = createHash('sha256');
  const out = createWriteStream(path, { flags: 'wx' });
  let head = Buffer.alloc(0);
  let size = 0;
  let refusal: DomainError | null = null;
  let oversized = false;
  try {
    for await (const chunk of file.content as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (refusal || oversized) continue;
      if (size > limitBytes) {
        refusal = new PayloadTooLargeError(limitBytes);
        continue;
      }
      if (head.length < sniffBytes) head = Buffer.concat([head, chunk.subarray(0, sniffBytes - head.length)]);
      const outlook = prospect(head, size, limitBytes);
      if (outlook === 'unrecognisable') refusal = notRecognised();
      if (outlook === 'oversized') oversized = true;
      if (outlook !== 'open') continue;
      hash.update(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    out.destroy();
    // Wait until the file is closed: one still being opened would appear after the caller removed it.
    await finished(out).catch(() => undefined);
    if ((error as { statusCode?: number }).statusCode === 413) throw new PayloadTooLargeError(limitBytes);
    throw error;
  }
  out.end();
  await finished(out);
  const overLimit = size > limitBytes || file.truncated();
  if (refusal) throw refusal;
  if (overLimit) throw new PayloadTooLargeError(limitBytes);
  if (oversized) throw notRecognised();
  const kind = recognise(head, size);
  if (!kind) throw notRecognised();
  return { kind, size, sha256: hash.digest('hex') };
}

/**
 * Stores an STL, DICOM or PDF file on a case the caller may see. The bytes go to
 * `<storage>/<orgId>/<caseId>/<uuid>` with their sha256; anything refused, or a failed insert,
 * leaves no file behind.
 */
export async function uploadAttachment({ em, caller }: Scope, caseId: string, file: IncomingFile, storage: AttachmentStorage) {
  const labCase = await findCase(em, caller, caseId);
  const storageKey = `${caller.orgId}/${labCase.id}/${randomUUID()}`;
  const path = storedPath(storage, storageKey);
  await mkdir(dirname(path), { recursive: true });
  try {
    const stored = await store(file, path, storage.limitBytes);
    return await em.transactional(async (tx) => {
      // The case may have been deleted while the file streamed in.
      await findCase(tx, caller, caseId);
      const attachment = tx.create(CaseAttachmentSchema, {
        orgId: caller.orgId,
        caseId: labCase.id,
        kind: stored.kind,
        originalName: sanitiseFileName(file.filename),
        size: stored.size,
        sha256: stored.sha256,
        storageKey,
        uploadedBy: caller.userId,
      });
      recordAudit(tx, caller, {
        action: 'case.attachment.create',
        entityType: 'CaseAttachment',
        entityId: attachment.id,
        changedFields: ['kind', 'originalName', 'size', 'sha256'],
      });
      await tx.flush();
      return attachmentView(attachment);
    });
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
}

export async function listAttachments({ em, caller }: Scope, caseId: string) {
  const labCase = await findCase(em, caller, caseId);
  const rows = await em.find(CaseAttachmentSchema, { caseId: labCase.id }, { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return { items: rows.map(attachmentView) };
}

async function findAttachment(em: Scope['em'], caseId: string, attachmentId: string): Promise<CaseAttachment> {
  const attachment = await em.findOne(CaseAttachmentSchema, { id: attachmentId, caseId });
  if (!attachment) throw new NotFoundError('Attachment');
  return attachment;
}

/** An attachment's metadata and a stream of its bytes, for members who may see the case. */
export async function openAttachment({ em, caller }: Scope, caseId: string, attachmentId: string, storage: AttachmentStorage) {
  const labCase = await findCase(em, caller, caseId);
  const attachment = await findAttachment(em, labCase.id, attachmentId);
  const path = storedPath(storage, attachment.storageKey);
  // A row without its file is a storage fault to investigate, not a client's mistake.
  if (!(await stat(path).catch(() => null))) throw new Error(`attachment ${attachment.id} has no stored file`);
  return { attachment: attachmentView(attachment), contentType: contentTypes[attachment.kind], content: createReadStream(path) };
}

export async function deleteAttachment({ em, caller }: Scope, caseId: string, attachmentId: string, storage: AttachmentStorage): Promise<void> {
  const storageKey = await em.transactional(async (tx) => {
    const labCase = await findCase(tx, caller, caseId);
    const attachment = await findAttachment(tx, labCase.id, attachmentId);
    tx.remove(attachment);
    recordAudit(tx, caller, { action: 'case.attachment.delete', entityType: 'CaseAttachment', entityId: attachment.id, changedFields: [] });
    await tx.flush();
    return attachment.storageKey;
  });
  // After the commit: a failed delete keeps its file, a committed one loses it.
  await removeStoredFiles(storage, [storageKey]);
}
