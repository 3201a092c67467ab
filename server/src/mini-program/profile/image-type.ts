/**
 * The type of an avatar upload, from its first bytes: PNG, JPEG, WebP or GIF,
 * else null.
 *
 * Written here rather than with the `file-type` package, which the server
 * used before. Its last CommonJS line (16.x, 16.5.4 the newest) hangs on a
 * crafted ASF header: an object size below 24 makes its parser seek
 * backwards forever (CVE-2026-31808, fixed only in the ESM-only 21.x). Every
 * step of that loop is an already-resolved promise, so the event loop never
 * runs again and one 200-byte upload by any logged-in user stops the whole
 * instance. The fixed line cannot be required from this CommonJS server
 * under jest. And we accept four types: checking four signatures exposes far
 * less to hostile bytes than running a hundred detectors on them.
 *
 * Same answers as file-type 16.5.4 for these four types, except:
 * - GIF needs the full `GIF87a`/`GIF89a` header, not just `GIF`;
 * - WebP needs `RIFF` at 0 as well as `WEBP` at 8.
 * Like file-type, an animated PNG (an `acTL` chunk before the first `IDAT`)
 * is `image/apng`, which is not one of the four.
 */

/** The types this detector names. */
export type DetectedImageType =
  'image/png' | 'image/apng' | 'image/jpeg' | 'image/webp' | 'image/gif';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;

/** Whether `bytes` holds `expected` at `offset`. */
function startsWith(bytes: Uint8Array, expected: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + expected.length) return false;
  return expected.every((b, i) => bytes[offset + i] === b);
}

function hasAscii(bytes: Uint8Array, text: string, offset = 0): boolean {
  return startsWith(
    bytes,
    [...text].map((c) => c.charCodeAt(0)),
    offset,
  );
}

/**
 * A PNG is animated when an `acTL` chunk comes before the first `IDAT`.
 * Walks the chunk headers (length, type; then data and CRC); each step moves
 * forward by at least 12 bytes, so the walk ends within the buffer. A
 * length above 2^31 - 1 is invalid (PNG's own limit): null.
 */
function pngKind(bytes: Uint8Array): 'image/png' | 'image/apng' | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = PNG_SIGNATURE.length;
  while (at + 8 <= bytes.length) {
    const length = view.getUint32(at);
    if (length > 0x7fffffff) return null;
    if (hasAscii(bytes, 'IDAT', at + 4)) return 'image/png';
    if (hasAscii(bytes, 'acTL', at + 4)) return 'image/apng';
    at += 12 + length;
  }
  return 'image/png';
}

/** The image type `bytes` start with, or null when they are none of ours. */
export function imageTypeOf(bytes: Uint8Array): DetectedImageType | null {
  if (startsWith(bytes, JPEG_SIGNATURE)) return 'image/jpeg';
  if (hasAscii(bytes, 'GIF87a') || hasAscii(bytes, 'GIF89a')) return 'image/gif';
  if (hasAscii(bytes, 'RIFF') && hasAscii(bytes, 'WEBP', 8)) return 'image/webp';
  if (startsWith(bytes, PNG_SIGNATURE)) return pngKind(bytes);
  return null;
}
