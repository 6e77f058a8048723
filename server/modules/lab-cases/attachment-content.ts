import type { AttachmentKind } from './case-attachment.entity';

/** How much of the start of a file the recognisers look at. */
export const sniffBytes = 1024;

const ascii = (buffer: Buffer, start: number, end: number) => buffer.subarray(start, end).toString('latin1');

/**
 * Recognises an upload by its bytes, never by its name: PDF ('%PDF-'), DICOM Part 10 ('DICM' after
 * the 128-byte preamble), binary STL (an 80-byte header, a triangle count and exactly 50 bytes per
 * triangle) and ASCII STL ('solid' then 'facet' within the first KB). `head` is the first bytes
 * (up to sniffBytes), `size` the whole length.
 */
export function recognise(head: Buffer, size: number): AttachmentKind | null {
  if (ascii(head, 0, 5) === '%PDF-') return 'pdf';
  if (head.length >= 132 && ascii(head, 128, 132) === 'DICM') return 'dicom';
  if (binaryStlSize(head) === size) return 'stl';
  const text = ascii(head, 0, sniffBytes);
  if (/^\s*solid/.test(text) && text.includes('facet')) return 'stl';
  return null;
}

/** The length a binary STL with this header must have, or null when the header is too short to say. */
export function binaryStlSize(head: Buffer): number | null {
  return head.length >= 84 ? 84 + 50 * head.readUInt32LE(80) : null;
}

/**
 * What the first bytes and the length so far say about an upload still arriving:
 * - 'open': it may still turn out to be a kind we take;
 * - 'unrecognisable': not a PDF, DICOM or ASCII STL, and longer than a binary STL with its header
 *   could be: refuse it now;
 * - 'oversized': only a binary STL bigger than the limit could match, so the upload ends either over
 *   the limit (413) or short of the size its header claims (415); nothing of it is worth storing.
 */
export type Prospect = 'open' | 'unrecognisable' | 'oversized';

export function prospect(head: Buffer, sizeSoFar: number, limitBytes: number): Prospect {
  if (head.length < sniffBytes) return 'open';
  if (ascii(head, 0, 5) === '%PDF-' || ascii(head, 128, 132) === 'DICM') return 'open';
  const text = ascii(head, 0, sniffBytes);
  if (/^\s*solid/.test(text) && text.includes('facet')) return 'open';
  const stlSize = binaryStlSize(head)!;
  if (sizeSoFar > stlSize) return 'unrecognisable';
  return stlSize > limitBytes ? 'oversized' : 'open';
}

export const contentTypes: Record<AttachmentKind, string> = {
  stl: 'model/stl',
  dicom: 'application/dicom',
  pdf: 'application/pdf',
};

/**
 * The uploader's file name made safe to store and to send back in Content-Disposition: no
 * directories, no control or reserved characters, no leading dots, at most 200 characters.
 */
export function sanitiseFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f"*:<>?|]/g, '')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 200);
  return cleaned || 'attachment';
}

/** A Content-Disposition for downloading `name`: an ASCII fallback plus the exact name (RFC 6266). */
export function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
