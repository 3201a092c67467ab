/**
 * Linkage events: one per change of a user's linkage, stored before delivery,
 * delivered at least once to in-process handlers and to a signed webhook.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LinkageEvent } from '@wxlink/contracts';
import { startSandbox } from '@wxlink/wechat-sandbox';
import { verifyLinkageSignature } from '../../../src/official-account/linkage-events/webhook';
import { startTestServer, type TestServer } from '../../support/harness';
import { EVENTS_PATH, FAST_WORKERS, eventually, followPush, postXml } from '../linkage-support';

const SECRET = 'test-webhook-secret-0123456789';

interface Receiver {
  url: string;
  received: { body: string; signature: string | undefined }[];
  /** Answer 503 while true (the receiver is down). */
  down: boolean;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver = { received: [], down: false } as unknown as Receiver;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (receiver.down) return void res.writeHead(503).end();
      const signature = req.headers['x-wxlink-signature'];
      receiver.received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: signature as string,
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/linkage`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

const handled: LinkageEvent[] = [];
let receiver: Receiver;
let servers: TestServer[] = [];
let closeSandbox: () => Promise<void>;

beforeAll(async () => {
  receiver = await startReceiver();
  const sandbox = await startSandbox({});
  closeSandbox = () => sandbox.close();
  const workers = {
    ...FAST_WORKERS,
    linkage: {
      pollIntervalMs: 25,
      backoffBaseMs: 50,
      backoffMaxMs: 200,
      handlers: [
        (_deps: unknown, event: LinkageEvent) => {
          handled.push(event);
          return Promise.resolve();
        },
      ],
    },
  };
  const env = { LINKAGE_WEBHOOK_URL: receiver.url, LINKAGE_WEBHOOK_SECRET: SECRET };
  // One after the other: two first starts racing to build the same indexes is not the subject here.
  servers = [];
  for (let i = 0; i < 2; i++) {
    servers.push(await startTestServer({ sandbox, workers, env, dbName: 'linkage-events-shared' }));
  }
  sandbox.setPushTarget({ url: servers[0]!.url + EVENTS_PATH, mode: 'safe' });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await closeSandbox();
  await receiver.close();
});

/** Polls a synchronous condition. */
const until = (check: () => boolean) => eventually(() => Promise.resolve(check()));

const webhookEvents = (): LinkageEvent[] =>
  receiver.received.map((r) => JSON.parse(r.body) as LinkageEvent);

test('one user.followed per follow although the push arrives 13 times across two instances; signed webhook', async () => {
  const [a, b] = servers as [TestServer, TestServer];
  const user = a.sandbox.createUser();
  const { body } = await a.login(user);
  const userId = body.user.id as string;
  // WeChat's state (which an import may see first) and the push agree on the follow time.
  const at = Math.floor(Date.now() / 1000) - 5;
  await a.sandbox.follow(user, { at, push: false });
  const push = followPush(a.sandbox, user.oaOpenid, 'subscribe', at);
  const answers = await Promise.all(
    Array.from({ length: 13 }, (_, i) => postXml((i % 2 ? b : a).url, push)),
  );
  expect(answers.every((r) => r.text === 'success')).toBe(true);

  await until(() => webhookEvents().some((e) => e.userId === userId));
  await new Promise((r) => setTimeout(r, 500)); // room for a duplicate, should one come
  const mine = (list: LinkageEvent[]) => list.filter((e) => e.userId === userId);
  expect(mine(handled)).toHaveLength(1);
  expect(mine(webhookEvents())).toHaveLength(1);
  const event = mine(webhookEvents())[0]!;
  expect(event).toMatchObject({
    type: 'user.followed',
    officialAccountAppid: a.config.officialAccount.appid,
    at: new Date(at * 1000).toISOString(),
  });
  expect(event.id).toBe(mine(handled)[0]!.id);
  const delivery = receiver.received.find((r) => r.body.includes(userId))!;
  const now = Math.floor(Date.now() / 1000);
  expect(verifyLinkageSignature(SECRET, delivery.signature, delivery.body, now)).toBe(true);
  // A tampered body or another key does not verify.
  expect(
    verifyLinkageSignature(SECRET, delivery.signature, delivery.body.replace('user.', 'usr.'), now),
  ).toBe(false);
  expect(
    verifyLinkageSignature('another-secret-0123456789', delivery.signature, delivery.body, now),
  ).toBe(false);
});

test('webhook down: user.unfollowed arrives after recovery, once', async () => {
  const [a] = servers as [TestServer];
  const user = a.sandbox.createUser();
  const { body } = await a.login(user);
  const userId = body.user.id as string;
  await a.sandbox.follow(user);
  await until(() => webhookEvents().some((e) => e.userId === userId));

  receiver.down = true;
  await a.sandbox.unfollow(user);
  await until(() => handled.some((e) => e.userId === userId && e.type === 'user.unfollowed'));
  const stored = await a.deps.models.LinkageOutbox.findOne({
    userId,
    type: 'user.unfollowed',
  }).lean();
  await eventually(async () => {
    const item = await a.deps.models.LinkageOutbox.findOne({
      userId,
      type: 'user.unfollowed',
    }).lean();
    return (item?.attempts ?? 0) >= 2; // retried while the receiver is down
  });
  expect(stored?.status).toBe('pending');
  receiver.down = false;
  await until(() =>
    webhookEvents().some((e) => e.userId === userId && e.type === 'user.unfollowed'),
  );
  await new Promise((r) => setTimeout(r, 300));
  const unfollowed = webhookEvents().filter(
    (e) => e.userId === userId && e.type === 'user.unfollowed',
  );
  expect(unfollowed).toHaveLength(1);
  // The in-process handlers ran once although the webhook was retried.
  expect(handled.filter((e) => e.userId === userId && e.type === 'user.unfollowed')).toHaveLength(
    1,
  );
});

test('a user who logs in after following gets user.followed then', async () => {
  const [a] = servers as [TestServer];
  const user = a.sandbox.createUser();
  await a.sandbox.follow(user);
  await eventually(async () => {
    const f = await a.deps.models.Follower.findOne({ openid: user.oaOpenid }).lean();
    return f?.unionid ? f : undefined;
  });
  const { body } = await a.login(user);
  const userId = body.user.id as string;
  await until(() => webhookEvents().some((e) => e.userId === userId && e.type === 'user.followed'));
});
