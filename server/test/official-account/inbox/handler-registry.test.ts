/**
 * The push pipeline is typed end to end: the handler registry only accepts
 * the push types the parser produces (checked by `npm run typecheck`, which
 * fails if an expected error below stops being an error), and a push with no
 * handler is counted as unhandled.
 */
import type { HandlerRegistry } from '../../../src/official-account/inbox/handlers';
import { handlerFor, PUSH_HANDLERS } from '../../../src/official-account/inbox/handlers';
import { loadLinkageConfig } from '../../../src/config/linkage';

const noop = () => Promise.resolve({ forgetFollower: false });

test('a handler for a type the parser does not produce does not compile', () => {
  const registry: HandlerRegistry = {
    subscribe: noop,
    // @ts-expect-error -- `click` is not a PushMessage type: the parser maps it to `unknown`.
    click: noop,
  };
  expect(Object.keys(registry)).toContain('click');
  // Each handler receives its own push type: `scene` exists on subscribe only.
  const typed: HandlerRegistry = {
    // @ts-expect-error -- an unsubscribe push has no `scene`.
    unsubscribe: (_deps, item) => Promise.resolve({ forgetFollower: item.payload.scene === 'x' }),
  };
  expect(typed).toBeDefined();
});

test('the registry handles follows, SCAN and unfollows; other types have no handler', () => {
  expect(Object.keys(PUSH_HANDLERS).sort()).toEqual(['scan', 'subscribe', 'unsubscribe']);
  expect(handlerFor('unknown')).toBeUndefined();
  expect(handlerFor('message')).toBeUndefined();
  expect(handlerFor('scan')).toBe(PUSH_HANDLERS.scan);
});

test('linkage configuration: defaults, and one line naming each bad variable', () => {
  const problems: string[] = [];
  expect(loadLinkageConfig({}, problems)).toEqual({
    followerRetention: 'erase',
    followerReconcileIntervalSeconds: 86_400,
    inboxRetentionDays: 7,
    webhook: undefined,
  });
  expect(problems).toEqual([]);
  loadLinkageConfig(
    {
      FOLLOWER_RETENTION: 'forget',
      FOLLOWER_RECONCILE_INTERVAL_SECONDS: '-1',
      LINKAGE_WEBHOOK_URL: 'https://example.com/hook',
    },
    problems,
  );
  expect(problems).toEqual([
    'FOLLOWER_RETENTION must be erase or keep',
    'FOLLOWER_RECONCILE_INTERVAL_SECONDS must be a whole number between 0 and 31536000',
    'LINKAGE_WEBHOOK_URL and LINKAGE_WEBHOOK_SECRET must be set together',
  ]);
});
