/**
 * GET /api/v1/me/subscriptions: one entry per configured official account,
 * in configuration order, with the account's name and QR code when set.
 */
import { API_ROUTES, SubscriptionListResponseSchema } from '@wxlink/contracts';
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
import { accountsFileEnv, startTestServer, type TestServer } from '../../support/harness';
import { EVENTS_PATH, FAST_WORKERS, eventually } from '../../official-account/linkage-support';

let sandbox: Sandbox;
let server: TestServer;
const QR = 'https://example.com/qr/service.png';

beforeAll(async () => {
  sandbox = await startSandbox({ officialAccounts: [{}, {}] });
  const [primary, second] = sandbox.officialAccountsFile();
  server = await startTestServer({
    sandbox,
    workers: FAST_WORKERS,
    env: accountsFileEnv(sandbox, [{ ...primary, name: '服务号', qrCodeUrl: QR }, { ...second }]),
  });
  for (const account of server.config.officialAccounts) {
    const scope = account.appid === server.config.officialAccount.appid ? '' : `/${account.appid}`;
    const url = server.url + EVENTS_PATH.replace('/events', `${scope}/events`);
    sandbox.setPushTarget(
      { url, mode: account.encryptMode === 'plain' ? 'plain' : 'safe' },
      account.appid,
    );
  }
});
afterAll(async () => {
  await server.close();
  await sandbox.close();
});

test('following the primary only: [primary subscribed, second never], in configuration order', async () => {
  const a = server.config.officialAccounts[0]!;
  const b = server.config.officialAccounts[1]!;
  const user = sandbox.createUser();
  const { token } = await server.login(user);
  await sandbox.follow(user, { appid: a.appid });
  const list = await eventually(async () => {
    const r = await server.api('GET', API_ROUTES.listSubscriptions.path, undefined, token);
    const subs = r.body.subscriptions as { status: string }[];
    return subs[0]?.status === 'subscribed' && subs[1]?.status === 'never' ? r : undefined;
  }, 15_000);
  expect(list.status).toBe(200);
  expect(SubscriptionListResponseSchema.parse(list.body)).toEqual(list.body);
  expect(list.body.subscriptions).toEqual([
    expect.objectContaining({
      officialAccountAppid: a.appid,
      status: 'subscribed',
      accountName: '服务号',
      qrCodeUrl: QR,
    }),
    { officialAccountAppid: b.appid, status: 'never' },
  ]);
  // user.subscription and /me/subscription are the primary's.
  const me = await server.api('GET', '/api/v1/me', undefined, token);
  expect(me.body.subscription).toEqual(list.body.subscriptions[0]);
});

test('needs a session', async () => {
  const r = await server.api('GET', API_ROUTES.listSubscriptions.path);
  expect(r.status).toBe(401);
  expect(r.body.error.code).toBe('SESSION_INVALID');
});
