/**
 * DevTools' tourist mode (appid `touristappid`): wx.login hands back the
 * same fixed string every time. In dev mode the sandbox maps that string to
 * its demo user on every login, so logout → "登录" keeps working.
 *
 * Needs the sandbox change that accepts the fixed code (and a stack started
 * in dev mode); until both are merged this suite fails at the second login
 * with WECHAT_CODE_INVALID (the sandbox answers 40163 "code been used").
 */
import { configureClient } from '../../src/services/index';
import { HttpWx } from './http-wx';
import { apiBase, sandbox } from './support';

/** What wx.login answers in DevTools with the tourist appid. */
export const TOURIST_LOGIN_CODE = 'the code is a mock one';

/** HttpWx whose wx.login always answers the tourist code. */
class TouristWx extends HttpWx {
  override login(o: {
    success: (res: { code: string }) => void;
    fail: (e: { errMsg: string }) => void;
  }) {
    this.loginCalls++;
    setTimeout(() => o.success({ code: TOURIST_LOGIN_CODE }), 0);
  }
}

describe('tourist mode (DevTools, touristappid)', () => {
  it('logs in, logs out and logs in again three times as the same demo user', async () => {
    const wx = new TouristWx(sandbox(), 'tourist');
    const client = configureClient({ wx, apiBase: apiBase(), timeoutMs: 10_000 });
    const ids: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const user = await client.ensureSession();
      ids.push(user.id);
      const { revokedOnServer } = await client.logout();
      expect(revokedOnServer).toBe(true);
      expect(client.hasSession()).toBe(false);
    }
    expect(wx.loginCalls).toBe(3);
    expect(new Set(ids).size).toBe(1);
  });
});
