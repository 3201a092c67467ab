/**
 * The demo user of `npm run dev`. With `acceptUnknownLoginCodes`, the sandbox
 * logs every code it did not mint (the real wx.login codes WeChat DevTools
 * produces) in as one demo user. dev.ts creates it up front, so it can print
 * the user's id and a next step that makes a visible change in the
 * mini-program.
 */
import type { Sandbox, SandboxUserView } from '@wxlink/wechat-sandbox';
import { asError } from './platform/errors';

/**
 * The sandbox's demo user (created on first use), the one every unknown
 * login code from DevTools logs in as. Asking for it logs nobody in and
 * rotates no session_key. Rejects when the sandbox does not accept unknown
 * codes (its SandboxError names acceptUnknownLoginCodes) or when the demo user
 * lacks a unionid: without one the server cannot link the mini-program user
 * to the official-account follower.
 */
export function ensureDemoUser(sandbox: Sandbox): Promise<SandboxUserView> {
  try {
    const user = sandbox.getUser(sandbox.demoUser());
    if (user.unionid === null) {
      throw new Error(`the sandbox demo user ${user.id} has no unionid; linkage cannot work`);
    }
    return Promise.resolve(user);
  } catch (err) {
    // One failure path for callers: a rejection, never a synchronous throw.
    return Promise.reject(asError(err));
  }
}

export interface NextStepsInput {
  sandboxUrl: string;
  port: number;
  demoUserId: string;
}

/** The "Next steps" block dev.ts prints: each step leads to something visible. */
export function nextSteps(input: NextStepsInput): string[] {
  const cli = `SANDBOX_URL=${input.sandboxUrl} npm run sandbox --`;
  return [
    'Next steps:',
    '  1. Open miniprogram/ in WeChat DevTools (import the folder; `npm run dev` has built it). In',
    '     详情 → 本地设置, tick "不校验合法域名". The develop build calls http://127.0.0.1:3000; for another',
    `     port or a real phone: WXLINK_API_BASE=http://<this machine's LAN IP>:${input.port} npm run build -w @wxlink/miniprogram`,
    `  2. Tap log in: any wx.login code from DevTools logs in the sandbox demo user ${input.demoUserId}`,
    '     (subscription: never).',
    '  3. In another terminal, make that user follow the official account (pushes a subscribe event here):',
    `       ${cli} follow ${input.demoUserId}`,
    '  4. Pull down to refresh the profile screen in the mini-program: the subscription shows `subscribed`.',
    `     ${cli} unfollow ${input.demoUserId}   (turns it back)`,
    `     ${cli} log                (what WeChat did)`,
  ];
}
