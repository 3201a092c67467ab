import { createCipheriv, createDecipheriv } from 'node:crypto';
import { WechatCryptoError } from './errors';

const AES_BLOCK = 16;

/**
 * PKCS#7 padding to `blockSize` bytes (16 for user data; 32 for safe-mode
 * messages, which is why OpenSSL's built-in 16-byte padding is not used).
 * Always adds 1..blockSize bytes, so a full block is added to aligned input.
 */
export function pkcs7Pad(data: Buffer, blockSize: number): Buffer {
  const pad = blockSize - (data.length % blockSize);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

/**
 * Strips PKCS#7 padding or throws `DECRYPT_FAILED`. Every padding byte is
 * inspected whatever the outcome, so a wrong byte early or late costs the same.
 */
export function pkcs7Unpad(data: Buffer, blockSize: number): Buffer {
  const pad = data.length > 0 ? (data[data.length - 1] as number) : 0;
  let bad = pad < 1 || pad > blockSize || pad > data.length ? 1 : 0;
  const checked = Math.min(blockSize, data.length);
  for (let i = 1; i <= checked; i++) {
    const byte = data[data.length - i] as number;
    // Only the last `pad` bytes must equal `pad`; the mask keeps the loop length fixed.
    bad |= i <= pad ? byte ^ pad : 0;
  }
  if (bad !== 0) {
    throw new WechatCryptoError('DECRYPT_FAILED', 'decryption failed: bad padding');
  }
  return data.subarray(0, data.length - pad);
}

/** Raw AES-CBC decryption (no padding removal); the caller unpads with its own block size. */
export function aesCbcDecrypt(
  algorithm: 'aes-128-cbc' | 'aes-256-cbc',
  key: Buffer,
  iv: Buffer,
  data: Buffer,
): Buffer {
  if (data.length === 0 || data.length % AES_BLOCK !== 0) {
    throw new WechatCryptoError(
      'DECRYPT_FAILED',
      'decryption failed: ciphertext is empty or not a whole number of blocks',
    );
  }
  const decipher = createDecipheriv(algorithm, key, iv);
  decipher.setAutoPadding(false);
  const plain = decipher.update(data);
  // Without padding and with whole blocks, final() has nothing left to add;
  // it is still called so OpenSSL's own checks run.
  decipher.final();
  return plain;
}

/** Raw AES-CBC encryption of already padded data. */
export function aesCbcEncrypt(
  algorithm: 'aes-128-cbc' | 'aes-256-cbc',
  key: Buffer,
  iv: Buffer,
  padded: Buffer,
): Buffer {
  const cipher = createCipheriv(algorithm, key, iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(padded), cipher.final()]);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decoding: returns null for invalid sequences instead of inserting U+FFFD. */
export function decodeUtf8(bytes: Buffer): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}
