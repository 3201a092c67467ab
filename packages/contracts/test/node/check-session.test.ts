import { randomBytes } from 'node:crypto';
import { checkSessionSignature, loginStateSignature } from '../../src/node';
import { cryptoCode } from './helpers';
import { LOGIN_STATE_SIGNATURE_SAMPLE as L, USER_DATA_SAMPLE } from './vectors';

describe('loginStateSignature / checkSessionSignature', () => {
  it('matches the documented login-state signature example', () => {
    expect(loginStateSignature(L.sessionKey, L.postData)).toBe(L.signature);
  });

  it('checksession signs the empty string and has the documented format', () => {
    const signature = checkSessionSignature(L.sessionKey);
    expect(signature).toBe(loginStateSignature(L.sessionKey, ''));
    expect(signature).not.toBe(L.signature);
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(L.checkSessionDocSignature).toMatch(/^[0-9a-f]{64}$/);
    // Differs per key (the sample user's key gives another value).
    expect(checkSessionSignature(USER_DATA_SAMPLE.sessionKey)).not.toBe(signature);
  });

  it('rejects a malformed session_key', () => {
    expect(cryptoCode(() => checkSessionSignature('not base64!'))).toBe('INVALID_BASE64');
    expect(cryptoCode(() => checkSessionSignature(randomBytes(32).toString('base64')))).toBe(
      'INVALID_KEY_LENGTH',
    );
  });
});
