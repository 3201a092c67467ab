import { ERROR_CODES, ERROR_STATUS, ErrorEnvelopeSchema, isErrorCode } from '../src/errors';

describe('ERROR_CODES / ERROR_STATUS', () => {
  it('gives every code the status the API fixes', () => {
    expect(ERROR_STATUS).toEqual({
      VALIDATION_FAILED: 400,
      PAYLOAD_TOO_LARGE: 413,
      NOT_FOUND: 404,
      RATE_LIMITED: 429,
      SESSION_INVALID: 401,
      ACCOUNT_BLOCKED: 403,
      WECHAT_CODE_INVALID: 401,
      WECHAT_USER_BLOCKED: 403,
      WECHAT_QUOTA_EXHAUSTED: 402,
      WECHAT_UNAVAILABLE: 502,
      SESSION_KEY_STALE: 409,
      SIGNATURE_INVALID: 422,
      USER_DATA_INVALID: 422,
      USER_DATA_EXPIRED: 422,
      PUSH_SIGNATURE_INVALID: 401,
      PUSH_REJECTED: 400,
      OAUTH_STATE_INVALID: 400,
      SERVICE_UNAVAILABLE: 503,
      INTERNAL: 500,
    });
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });

  it('codes are UPPER_SNAKE and unique', () => {
    for (const code of ERROR_CODES) expect(code).toMatch(/^[A-Z]+(?:_[A-Z]+)*$/);
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  });

  it('ERROR_STATUS cannot be mutated at runtime', () => {
    expect(Object.isFrozen(ERROR_STATUS)).toBe(true);
  });
});

describe('isErrorCode', () => {
  it.each([...ERROR_CODES])('accepts %s', (code) => {
    expect(isErrorCode(code)).toBe(true);
  });

  it.each([
    ['validation_failed'],
    ['NOPE'],
    [''],
    [400],
    [null],
    [undefined],
    [{}],
    [['INTERNAL']],
  ])('rejects %p', (x) => {
    expect(isErrorCode(x)).toBe(false);
  });

  it('does not accept inherited object keys', () => {
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('__proto__')).toBe(false);
  });
});

describe('ErrorEnvelopeSchema', () => {
  it('accepts an envelope with and without requestId', () => {
    const withId = { error: { code: 'NOT_FOUND', message: 'no such route', requestId: 'r-1' } };
    expect(ErrorEnvelopeSchema.parse(withId)).toEqual(withId);
    const without = { error: { code: 'INTERNAL', message: '' } };
    expect(ErrorEnvelopeSchema.parse(without)).toEqual(without);
  });

  it.each([
    ['unknown code', { error: { code: 'TEAPOT', message: 'x' } }],
    ['lowercase code', { error: { code: 'not_found', message: 'x' } }],
    ['operator object as code', { error: { code: { $gt: '' }, message: 'x' } }],
    ['number message', { error: { code: 'INTERNAL', message: 500 } }],
    ['missing message', { error: { code: 'INTERNAL' } }],
    ['unknown inner field', { error: { code: 'INTERNAL', message: 'x', stack: 'at ...' } }],
    ['unknown outer field', { error: { code: 'INTERNAL', message: 'x' }, detail: 1 }],
    ['oversize message', { error: { code: 'INTERNAL', message: 'x'.repeat(1025) } }],
    ['empty requestId', { error: { code: 'INTERNAL', message: 'x', requestId: '' } }],
    [
      'oversize requestId',
      { error: { code: 'INTERNAL', message: 'x', requestId: 'r'.repeat(129) } },
    ],
    ['not an object', 'INTERNAL'],
    ['error is null', { error: null }],
  ])('rejects %s', (_name, input) => {
    expect(ErrorEnvelopeSchema.safeParse(input).success).toBe(false);
  });
});
