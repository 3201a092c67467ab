/** npm run dev: the demo user and a next step that shows. */
import { startSandbox } from '@wxlink/wechat-sandbox';
import { ensureDemoUser, nextSteps } from '../../src/dev-demo';
import { listImported } from '../../src/official-account/followers/subscription';
import { eventually } from '../official-account/linkage-support';
import { useSuiteServer } from '../support/harness';

const server = useSuiteServer();

describe('4. npm run dev: the demo user and a next step that shows', () => {
  it('any DevTools code logs in the printed demo user; following it shows subscribed', async () => {
    const demo = await ensureDemoUser(server().sandbox);
    expect(demo.unionid).not.toBeNull();
    // Idempotent: the sandbox has one demo user.
    expect((await ensureDemoUser(server().sandbox)).id).toBe(demo.id);

    const steps = nextSteps({ sandboxUrl: server().sandbox.url, port: 3000, demoUserId: demo.id });
    const text = steps.join('\n');
    expect(text).toContain(`npm run sandbox -- follow ${demo.id}`);
    expect(text).toContain(`SANDBOX_URL=${server().sandbox.url}`);
    expect(text).toMatch(/pull down to refresh/i);
    expect(text).toContain('subscribed');

    // What DevTools does: a wx.login code the sandbox never minted.
    const login = await server().api('POST', '/api/v1/sessions', { code: 'devtools0a1b2c3d4e5f' });
    expect(login.status).toBe(201);
    expect(login.body.user.hasUnionId).toBe(true);
    const token = login.body.token as string;
    // `unknown` until the follower list has been imported once (in the background at start).
    await eventually(
      () => listImported(server().deps, server().config.officialAccount.appid),
      10_000,
      'the first follower import',
    );
    const before = await server().api('GET', '/api/v1/me/subscription', undefined, token);
    expect(before.body.status).toBe('never');

    // The printed step: `npm run sandbox -- follow <id>`.
    expect((await server().sandbox.follow(demo.id))?.delivered).toBe(true);
    await eventually(
      async () => {
        const r = await server().api('GET', '/api/v1/me/subscription', undefined, token);
        return r.body.status === 'subscribed';
      },
      10_000,
      'subscribed',
    );
  });

  it('fails clearly when the sandbox does not accept unknown codes', async () => {
    const strict = await startSandbox();
    try {
      await expect(ensureDemoUser(strict)).rejects.toThrow(/acceptUnknownLoginCodes/);
    } finally {
      await strict.close();
    }
  });
});
