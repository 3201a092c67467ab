import { TOURIST_LOGIN_CODE } from '../src';
import { startTestSandbox } from './helpers';
import type { TestSandbox } from './helpers';

let t: TestSandbox;
afterEach(() => t.sandbox.close());

describe('DevTools tourist mode', () => {
  it('is off by default: the mock code answers 40029 as on WeChat', async () => {
    t = await startTestSandbox();
    expect(TOURIST_LOGIN_CODE).toBe('the code is a mock one');
    expect((await t.login(TOURIST_LOGIN_CODE)).errcode).toBe(40029);
    expect(() => t.sandbox.demoUser()).toThrow(/devToolsTouristMode/);
  });

  it('on: the mock code logs the demo user in, every time', async () => {
    t = await startTestSandbox({ devToolsTouristMode: true });
    const demo = t.sandbox.demoUser();
    const first = await t.login(TOURIST_LOGIN_CODE);
    const second = await t.login(TOURIST_LOGIN_CODE);
    expect([first.openid, second.openid]).toEqual([demo.miniOpenid, demo.miniOpenid]);
    expect(first.unionid).toBe(demo.unionid);
    expect(second.session_key).toBe(t.sandbox.sessionKeyOf(demo));
    // Other unknown codes are still refused (that is acceptUnknownLoginCodes).
    expect((await t.login('some other code')).errcode).toBe(40029);
  });
});

describe('session_key rotation on minted login codes', () => {
  it('rotates by default (a code that never reaches the server leaves a stale key)', async () => {
    t = await startTestSandbox();
    const user = t.sandbox.createUser();
    const code = t.sandbox.mintLoginCode(user);
    const key = (await t.login(code)).session_key;
    t.sandbox.mintLoginCode(user); // lost on the way
    expect(t.sandbox.sessionKeyOf(user)).not.toBe(key);
  });

  it('rotateSessionKeyOnLogin: false keeps the key across codes', async () => {
    t = await startTestSandbox({ rotateSessionKeyOnLogin: false });
    const user = t.sandbox.createUser();
    const a = (await t.login(t.sandbox.mintLoginCode(user))).session_key;
    const b = (await t.login(t.sandbox.mintLoginCode(user))).session_key;
    expect(b).toBe(a);
  });
});
