import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
beforeEach(async () => {
  t = await startTestSandbox();
});
afterEach(() => t.sandbox.close());

describe('injectFault', () => {
  it('answers an errcode for `times` calls without consuming the code', async () => {
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintLoginCode(user);
    t.sandbox.injectFault('sns/jscode2session', { errcode: -1, times: 2 });
    const first = await t.login(code);
    expect(first.errcode).toBe(-1);
    expect(first.errmsg).toMatch(/^system error, rid: /);
    expect((await t.login(code)).errcode).toBe(-1);
    expect((await t.login(code)).openid).toBe(user.miniOpenid);
    expect(t.sandbox.stats().calls['sns/jscode2session']).toBe(3);
  });

  it('accepts a leading slash and a wildcard; clearFaults removes them', async () => {
    t.sandbox.injectFault('/cgi-bin/stable_token', { errcode: 45011 });
    const { appid, secret } = t.sandbox.config.officialAccount;
    const body = { grant_type: 'client_credential', appid, secret };
    expect((await t.post('/cgi-bin/stable_token', body)).errcode).toBe(45011);
    expect((await t.post('/cgi-bin/stable_token', body)).errcode).toBe(45011); // times defaults to ∞
    t.sandbox.clearFaults();
    t.sandbox.injectFault('*', { errcode: -1, times: 1 });
    expect((await t.login('whatever')).errcode).toBe(-1);
    expect((await t.post('/cgi-bin/stable_token', body)).access_token).toBeDefined();
  });

  it('delays answers (slow WeChat)', async () => {
    t.sandbox.injectFault('sns/jscode2session', { delayMs: 300, times: 1 });
    const started = Date.now();
    expect((await t.login('x')).errcode).toBe(40029);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const quick = Date.now();
    await t.login('x');
    expect(Date.now() - quick).toBeLessThan(250);
  });

  it('drops the connection without an answer', async () => {
    t.sandbox.injectFault('cgi-bin/user/get', { drop: true, times: 1 });
    await expect(t.get('/cgi-bin/user/get')).rejects.toThrow();
    expect((await t.get('/cgi-bin/user/get')).errcode).toBe(41001);
  });

  it('rejects unknown routes and empty faults', () => {
    expect(() => t.sandbox.injectFault('cgi-bin/nope', { errcode: -1 })).toThrow(/unknown route/);
    expect(() => t.sandbox.injectFault('cgi-bin/token', {})).toThrow(/needs errcode/);
    expect(() => t.sandbox.injectFault('cgi-bin/token', { errcode: 0 })).toThrow(/success/);
  });

  it('close() does not wait for a pending delayed answer', async () => {
    t.sandbox.injectFault('sns/jscode2session', { delayMs: 60_000 });
    const pending = t.login('x').catch(() => 'failed');
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await t.sandbox.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe('failed');
  });
});
