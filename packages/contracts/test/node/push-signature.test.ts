import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  msgSignature,
  pushSignature,
  verifyMsgSignature,
  verifyPushSignature,
} from '../../src/node';
import { MSG_CRYPT_SAMPLE as M } from './vectors';

// URL-verification signature for the sample's token/timestamp/nonce. Not in
// the official sample itself; it is the value public WXBizMsgCrypt ports use
// in their tests alongside it (sha1 of the sorted, concatenated three strings).
const SAMPLE_PUSH_SIGNATURE = '16120ec1b8dbb870f510d87ce6bc2463eae6ca1a';

describe('msgSignature (official WXBizMsgCrypt sample)', () => {
  it('reproduces the sample msg_signature', () => {
    expect(msgSignature(M.token, M.timestamp, M.nonce, M.encrypt)).toBe(M.msgSignature);
  });

  it('verifies the sample and is order-independent in its inputs', () => {
    const input = { token: M.token, timestamp: M.timestamp, nonce: M.nonce, encrypt: M.encrypt };
    expect(verifyMsgSignature({ ...input, signature: M.msgSignature })).toBe(true);
    expect(verifyMsgSignature({ ...input, signature: M.msgSignature.toUpperCase() })).toBe(true);
    // The four values are sorted before hashing, so swapping roles changes nothing.
    expect(msgSignature(M.nonce, M.encrypt, M.token, M.timestamp)).toBe(M.msgSignature);
  });

  it.each([
    ['another token', { token: 'spamtesT' }],
    ['another timestamp', { timestamp: '1409735670' }],
    ['another nonce', { nonce: '1320562133' }],
    ['altered Encrypt', { encrypt: `${M.encrypt.slice(0, -2)}A=` }],
    ['a wrong signature', { signature: M.msgSignature.replace(/^5/, '6') }],
    ['a short signature', { signature: M.msgSignature.slice(1) }],
    ['a non-hex signature', { signature: `${M.msgSignature.slice(0, 39)}z` }],
    ['a missing signature', { signature: undefined }],
    ['an array nonce (repeated query parameter)', { nonce: [M.nonce, M.nonce] }],
    ['an empty token', { token: '' }],
  ])('rejects %s', (_name, override) => {
    const input = {
      token: M.token,
      timestamp: M.timestamp,
      nonce: M.nonce,
      encrypt: M.encrypt,
      signature: M.msgSignature,
      ...override,
    } as unknown as Parameters<typeof verifyMsgSignature>[0];
    expect(verifyMsgSignature(input)).toBe(false);
  });
});

describe('pushSignature', () => {
  it('computes sha1 over the sorted token, timestamp and nonce', () => {
    expect(pushSignature(M.token, M.timestamp, M.nonce)).toBe(SAMPLE_PUSH_SIGNATURE);
    expect(
      verifyPushSignature({
        token: M.token,
        timestamp: M.timestamp,
        nonce: M.nonce,
        signature: SAMPLE_PUSH_SIGNATURE,
      }),
    ).toBe(true);
  });

  it('rejects wrong, malformed or missing inputs without throwing', () => {
    const good = {
      token: M.token,
      timestamp: M.timestamp,
      nonce: M.nonce,
      signature: SAMPLE_PUSH_SIGNATURE,
    };
    expect(verifyPushSignature({ ...good, token: 'other' })).toBe(false);
    expect(verifyPushSignature({ ...good, signature: '' })).toBe(false);
    expect(verifyPushSignature({ ...good, timestamp: undefined as unknown as string })).toBe(false);
    expect(verifyPushSignature({ ...good, token: '' })).toBe(false);
  });

  it('a signature verifies only for the inputs it was made from', () => {
    const value = fc.string({ minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(value, value, value, value, (token, timestamp, nonce, other) => {
        const signature = pushSignature(token, timestamp, nonce);
        expect(verifyPushSignature({ token, timestamp, nonce, signature })).toBe(true);
        const changed = verifyPushSignature({ token, timestamp, nonce: nonce + other, signature });
        expect(changed).toBe(false);
      }),
    );
  });

  it('sorts by UTF-8 bytes like the official samples, not by UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8 and U+1F600 is F0 9F 98 80, so U+FF61 sorts first
    // by bytes; in UTF-16 the emoji (D83D DE00) would sort first.
    const a = '\uFF61';
    const b = '\u{1F600}';
    const expected = createHash('sha1')
      .update(Buffer.from(a + b, 'utf8'))
      .digest('hex');
    expect(pushSignature(b, a, '')).toBe(expected);
    expect(pushSignature(b, a, '')).not.toBe(
      createHash('sha1')
        .update(Buffer.from(b + a, 'utf8'))
        .digest('hex'),
    );
  });
});
