import { Writable } from 'node:stream';
import { startTestServer, type TestServer } from '../support/harness';

/** Collects every log line the server writes. */
class Capture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

let t: TestServer;
const capture = new Capture();
beforeAll(async () => {
  t = await startTestServer({ env: { LOG_LEVEL: 'trace' }, logDestination: capture });
});
afterAll(async () => {
  await t?.close();
});

describe('logs', () => {
  it('carry request ids and never contain secrets, session keys, tokens, codes or identifiers', async () => {
    const user = t.sandbox.createUser({ phone: '13912345678' });
    const loginCode = t.sandbox.mintLoginCode(user);
    const login = await t.api('POST', '/api/v1/sessions', { code: loginCode }, undefined);
    expect(login.status).toBe(201);
    const token = login.body.token as string;
    const payload = t.sandbox.userInfoPayload(user);
    expect((await t.api('POST', '/api/v1/me/profile', payload, token)).status).toBe(200);
    const phoneCode = t.sandbox.mintPhoneCode(user);
    expect((await t.api('POST', '/api/v1/me/phone', { code: phoneCode }, token)).status).toBe(200);
    // Failures log too: a stale key (checksession), a bad code, a WeChat fault, an auth failure.
    t.sandbox.mintLoginCode(user);
    await t.api('POST', '/api/v1/me/profile', t.sandbox.userInfoPayload(user), token);
    await t.api('POST', '/api/v1/sessions', { code: 'bad-code-0123456789' });
    t.sandbox.injectFault('sns/jscode2session', { errcode: -1, times: 1 });
    await t.api('POST', '/api/v1/sessions', { code: t.sandbox.mintLoginCode(user) });
    await t.api('GET', '/api/v1/me', undefined, `${token.slice(0, -1)}A`);
    await t.api('GET', '/api/v1/me?code=secret-query-code', undefined, token);

    const logs = capture.text;
    expect(capture.lines.length).toBeGreaterThan(10);
    // Request lines carry the request id.
    const requestLines = capture.lines
      .map((l) => JSON.parse(l) as { req?: { id?: unknown } })
      .filter((l) => l.req);
    expect(requestLines.length).toBeGreaterThan(5);
    for (const line of requestLines) expect(line.req?.id).toEqual(expect.any(String));
    // So do lines written deep in the WeChat client, through the request context.
    const parsed = capture.lines.map((l) => JSON.parse(l) as { msg?: string; requestId?: unknown });
    const errcodeLines = parsed.filter((l) => l.msg === 'WeChat API returned an errcode');
    expect(errcodeLines.length).toBeGreaterThanOrEqual(2);
    for (const line of errcodeLines) expect(line.requestId).toEqual(expect.any(String));

    const stored = await t.deps.models.User.findOne({ miniOpenid: user.miniOpenid }).lean();
    const accessTokens = await t.deps.models.AccessToken.find().lean();
    const forbidden: Record<string, string | undefined> = {
      'mini-program secret': t.config.miniProgram.secret,
      'official-account secret': t.config.officialAccount.secret,
      'push token': t.config.officialAccount.token,
      'sandbox session_key': t.sandbox.sessionKeyOf(user),
      'bearer token': token,
      'login code': loginCode,
      'phone code': phoneCode,
      'query code': 'secret-query-code',
      openid: user.miniOpenid,
      unionid: user.unionid ?? undefined,
      phone: '13912345678',
      encryptedData: payload.encryptedData.slice(0, 24),
      'rawData signature': payload.signature,
    };
    for (const at of accessTokens) forbidden[`access_token ${at.appid}`] = at.token ?? undefined;
    for (const [i, key] of Object.values(stored?.sessionKeys ?? {}).entries()) {
      forbidden[`stored session_key ${i}`] = key;
    }
    for (const [what, value] of Object.entries(forbidden)) {
      if (!value) continue;
      expect({ what, leaked: logs.includes(value) }).toEqual({ what, leaked: false });
    }
    expect(logs).not.toMatch(/authorization/i);
  });
});
