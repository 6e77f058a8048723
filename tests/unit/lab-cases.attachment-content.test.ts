import { describe, expect, it } from 'vitest';
import { binaryStlSize, contentDisposition, prospect, recognise, sanitiseFileName, sniffBytes } from '../../server/modules/lab-cases/attachment-content';

const head = (bytes: Buffer) => bytes.subarray(0, sniffBytes);
const binaryStl = (triangles: number, header = '') => {
  const bytes = Buffer.alloc(84 + 50 * triangles);
  bytes.write(header, 0, 'latin1');
  bytes.writeUInt32LE(triangles, 80);
  return bytes;
};

describe('recognising attachments by content', () => {
  it.each([
    ['a PDF', Buffer.from('%PDF-1.4\n...'), 'pdf'],
    ['a DICOM file', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(10)]), 'dicom'],
    ['an ASCII STL', Buffer.from('solid part\nfacet normal 0 0 0\n'), 'stl'],
    ['an ASCII STL with leading blanks', Buffer.from('\n  solid part\n facet normal 0 0 0\n'), 'stl'],
    ['a binary STL', binaryStl(12), 'stl'],
    ['an empty binary STL', binaryStl(0), 'stl'],
    ['a binary STL whose header says solid', binaryStl(2, 'solid but binary'), 'stl'],
    ['nothing at all', Buffer.alloc(0), null],
    ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]), null],
    ['"solid" without facets', Buffer.from('solid and nothing else'), null],
    ['DICM at the wrong offset', Buffer.concat([Buffer.from('DICM'), Buffer.alloc(200)]), null],
    ['a truncated binary STL', binaryStl(3).subarray(0, 150), null],
    ['a binary STL with a byte too many', Buffer.concat([binaryStl(3), Buffer.alloc(1)]), null],
    ['a pdf with lower-case magic', Buffer.from('%pdf-1.4'), null],
  ])('recognises %s', (_, bytes, kind) => {
    expect(recognise(head(bytes), bytes.length)).toBe(kind);
  });

  it('looks for facets only in the first KB of an ASCII STL', () => {
    const late = Buffer.from(`solid part\n${' '.repeat(sniffBytes)}facet normal 0 0 0\n`);
    expect(recognise(head(late), late.length)).toBeNull();
  });

  it('reads the size a binary STL must have from its header', () => {
    expect(binaryStlSize(binaryStl(7))).toBe(84 + 350);
    expect(binaryStlSize(Buffer.alloc(83))).toBeNull();
  });
});

describe('refusing uploads early', () => {
  const limit = 10_000;
  it('keeps reading while the first KB is incomplete or names a kind', () => {
    expect(prospect(Buffer.alloc(100, 0xff), 100, limit)).toBe('open');
    const pdf = Buffer.concat([Buffer.from('%PDF-1.7'), Buffer.alloc(2000)]);
    expect(prospect(head(pdf), 2000, limit)).toBe('open');
    const stl = binaryStl(100);
    expect(prospect(head(stl), 3000, limit)).toBe('open');
  });

  it('refuses once the bytes outgrow the binary STL their header describes', () => {
    const stl = binaryStl(30);
    expect(prospect(head(stl), stl.length + 1, limit)).toBe('unrecognisable');
  });

  it('stops storing when only a binary STL over the limit could match', () => {
    const noise = Buffer.alloc(2000, 0xff);
    expect(prospect(head(noise), 2000, limit)).toBe('oversized');
  });
});

describe('file names', () => {
  it.each([
    ['crown_11.stl', 'crown_11.stl'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\Users\\lab\\scan.dcm', 'scan.dcm'],
    ['"quoted" <name>|?*.pdf', 'quoted name.pdf'],
    ['bell\u0007and\u001bescape.stl', 'bellandescape.stl'],
    ['..hidden.pdf', 'hidden.pdf'],
    ['', 'attachment'],
    ['../', 'attachment'],
    ['Zahnkrone Müller.pdf', 'Zahnkrone Müller.pdf'],
  ])('stores %j as %j', (name, stored) => {
    expect(sanitiseFileName(name)).toBe(stored);
  });

  it('caps the length', () => {
    expect(sanitiseFileName(`${'a'.repeat(300)}.stl`)).toHaveLength(200);
  });

  it('sends an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('Müller (final).pdf')).toBe(`attachment; filename="M_ller (final).pdf"; filename*=UTF-8''M%C3%BCller%20%28final%29.pdf`);
  });
});
