/** mini-program/profile/image-type.ts: an upload's type from its first bytes. */
import fc from 'fast-check';
import { imageTypeOf } from '../../../src/mini-program/profile/image-type';

/** A PNG chunk: length, type, data, and a CRC the detector does not read. */
function chunk(type: string, data: Buffer = Buffer.alloc(0)): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IHDR = chunk('IHDR', Buffer.alloc(13));
const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The ASF header of CVE-2026-31808: a header object of size 0, which file-type 16 reads forever. */
function asfWithZeroSizedObject(): Buffer {
  const bytes = Buffer.alloc(200);
  Buffer.from([
    0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11, 0xa6, 0xd9, 0x00, 0xaa, 0x00, 0x62, 0xce, 0x6c,
  ]).copy(bytes, 0);
  bytes.writeBigUInt64LE(0n, 30 + 16);
  return bytes;
}

describe('imageTypeOf', () => {
  it.each([
    ['a 1×1 PNG', PNG_1X1, 'image/png'],
    [
      'a PNG whose IDAT follows other chunks',
      Buffer.concat([PNG_SIGNATURE, IHDR, chunk('pHYs', Buffer.alloc(9)), chunk('IDAT')]),
      'image/png',
    ],
    [
      'a PNG cut before any IDAT (file-type: png)',
      Buffer.concat([PNG_SIGNATURE, IHDR]),
      'image/png',
    ],
    [
      'an animated PNG',
      Buffer.concat([PNG_SIGNATURE, IHDR, chunk('acTL', Buffer.alloc(8)), chunk('IDAT')]),
      'image/apng',
    ],
    [
      'a JFIF JPEG',
      Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0')]),
      'image/jpeg',
    ],
    ['an Exif JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10]), 'image/jpeg'],
    ['a GIF89a', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    ['a GIF87a', Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1'), 'image/gif'],
    [
      'a WebP',
      Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]),
      'image/webp',
    ],
  ])('names %s', (_name, bytes, type) => {
    expect(imageTypeOf(bytes)).toBe(type);
  });

  it.each([
    ['nothing', Buffer.alloc(0)],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['a PDF', Buffer.from('%PDF-1.4\n')],
    ['text starting with GIF', Buffer.from('GIFT shop')],
    [
      'WEBP at 8 without RIFF',
      Buffer.concat([Buffer.from('RIFX'), Buffer.alloc(4), Buffer.from('WEBP')]),
    ],
    ['half a PNG signature', PNG_SIGNATURE.subarray(0, 4)],
    ['two bytes of JPEG', Buffer.from([0xff, 0xd8])],
    [
      'a PNG chunk longer than PNG allows',
      Buffer.concat([PNG_SIGNATURE, Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from('IHDR')]),
    ],
    ['the ASF header that hangs file-type 16', asfWithZeroSizedObject()],
  ])('refuses %s', (_name, bytes) => {
    expect(imageTypeOf(bytes)).toBeNull();
  });

  it('reads a view into a larger buffer from its own start', () => {
    const backing = Buffer.concat([Buffer.from('junk'), PNG_1X1]);
    expect(imageTypeOf(backing.subarray(4))).toBe('image/png');
    expect(
      imageTypeOf(new Uint8Array(backing.buffer, backing.byteOffset + 4, PNG_1X1.length)),
    ).toBe('image/png');
  });

  it('ends on any bytes, and names a type only when its signature is there', () => {
    const signatures = [
      PNG_SIGNATURE,
      Buffer.from([0xff, 0xd8, 0xff]),
      Buffer.from('GIF89a'),
      Buffer.from('RIFF'),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(Buffer.alloc(0), ...signatures),
        fc.uint8Array({ maxLength: 2048 }),
        (prefix, rest) => {
          const bytes = Buffer.concat([prefix, rest]);
          const type = imageTypeOf(bytes);
          if (type === 'image/png' || type === 'image/apng') {
            expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
          }
          if (type === 'image/jpeg') expect([...bytes.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
          if (type === 'image/gif')
            expect(bytes.subarray(0, 6).toString('latin1')).toMatch(/^GIF8[79]a$/);
          if (type === 'image/webp') {
            expect(bytes.subarray(0, 4).toString('latin1')).toBe('RIFF');
            expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('walks a PNG of 2 MiB of empty chunks in bounded time', () => {
    const empties = Buffer.concat(Array.from({ length: 175_000 }, () => chunk('tEXt')));
    const bytes = Buffer.concat([PNG_SIGNATURE, empties, chunk('IDAT')]);
    expect(bytes.length).toBeGreaterThan(2 * 1024 * 1024);
    const started = process.hrtime.bigint();
    expect(imageTypeOf(bytes)).toBe('image/png');
    // A generous bound: a walk that revisits chunks would take minutes, not this.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(5000);
  });
});
