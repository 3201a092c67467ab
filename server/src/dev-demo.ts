/**
 * The demo user of `npm run dev`. With `acceptUnknownLoginCodes`, the sandbox
 * logs every code it did not mint (the real wx.login codes WeChat DevTools
 * produces) in as one demo user, created on the first such code. dev.ts
 * creates it up front, so it can print the user's id and a next step that
 * makes a visible change in the mini-program.
 */
import { randomBytes } from 'node:crypto';
import type { Sandbox, UserView } from '@wxlink/wechat-sandbox';

/**
 * Makes the sandbox create its demo user and returns it. The sandbox has no
 * call that names the demo user, so this sends it what DevTools would: one
 * unknown login code through `sns/jscode2session` (the code is random and
 * single-use; the only side effect is a rotated session_key, as on WeChat).
 * The demo user must carry a unionid: without it the server cannot link the
 * mini-program user to the official-account follower.
 */
export async function ensureDemoUser(sandbox: Sandbox): Promise<UserView> {
  const url = new URL('/sns/jscode2session', sandbox.url);
  url.searchParams.set('appid', sandbox.config.miniProgram.appid);
  url.searchParams.set('secret', sandbox.config.miniProgram.secret);
  url.searchParams.set('js_code', `dev-demo-${randomBytes(12).toString('hex')}`);
  url.searchParams.set('grant_type', 'authorization_code');
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const body = (await res.json()) as { openid?: unknown; errcode?: unknown };
  if (typeof body.openid !== 'string') {
    throw new Error(
      `the sandbox did not log the demo user in (errcode ${String(body.errcode)}); ` +
        'is acceptUnknownLoginCodes on?',
    );
  }
  const user = sandbox.getUser(body.openid);
  if (user.unionid === null) {
    throw new Error(`the sandbox demo user ${user.id} has no unionid; linkage cannot work`);
  }
  return user;
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
