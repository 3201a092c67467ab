/**
 * The pure parts of the plaintext replay protection: the binding a push's
 * signed query gets (replay-guard.ts) and the stub an erased entry keeps of
 * it (inbox/binding-stub.ts). The HTTP behaviour is in replay.test.ts.
 */
import fc from 'fast-check';
import { bindingStub, bindingStubFields } from '../../../src/official-account/inbox/binding-stub';
import { signedQueryBinding } from '../../../src/official-account/push/replay-guard';

const use = {
  appid: 'wxapp',
  timestamp: '1800000000',
  nonce: 'n1',
  signature: 'sig',
  body: '<x/>',
};

describe('signedQueryBinding', () => {
  test('hashes the query and the body; lapses after the window and the clock skew', () => {
    const binding = signedQueryBinding(use, 1_800_000_000, 300);
    expect(binding.key).toMatch(/^[0-9a-f]{64}$/);
    expect(binding.bodyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(binding.expiresAt.toISOString()).toBe(
      new Date((1_800_000_000 + 300 + 60) * 1000).toISOString(),
    );
    expect(JSON.stringify(binding)).not.toContain('sig');
  });

  test('the key is the query: the body only changes the body hash', () => {
    const a = signedQueryBinding(use, 0, 300);
    const b = signedQueryBinding({ ...use, body: '<y/>' }, 0, 300);
    expect(b.key).toBe(a.key);
    expect(b.bodyHash).not.toBe(a.bodyHash);
  });

  test('different queries never share a key, however their fields are split', () => {
    const field = fc.string({ maxLength: 6 });
    fc.assert(
      fc.property(
        fc.tuple(field, field, field, field),
        fc.tuple(field, field, field, field),
        (x, y) => {
          fc.pre(x.join('|') !== y.join('|'));
          const [appid, timestamp, nonce, signature] = x;
          const [appid2, timestamp2, nonce2, signature2] = y;
          const a = signedQueryBinding({ appid, timestamp, nonce, signature, body: '' }, 0, 0);
          const b = signedQueryBinding(
            {
              appid: appid2,
              timestamp: timestamp2,
              nonce: nonce2,
              signature: signature2,
              body: '',
            },
            0,
            0,
          );
          return a.key !== b.key;
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('binding stubs', () => {
  const binding = signedQueryBinding(use, 1_800_000_000, 300);
  const now = new Date(1_800_000_010_000);

  test('a stub keeps the binding and nothing personal, and is never claimed', () => {
    const fields = bindingStubFields(binding, now);
    expect(fields).toMatchObject({
      dedupKey: `binding:${binding.key}`,
      openid: '',
      payload: {},
      createTime: 0,
      status: 'done',
      processedAt: now,
      signedQuery: binding,
    });
    expect(bindingStub('wxapp', binding, now)).toMatchObject({ appid: 'wxapp', ...fields });
  });
});
