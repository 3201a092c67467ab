import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as entry from '../src/index';

const SRC = join(__dirname, '..', 'src');

describe('isomorphic entry', () => {
  it('re-exports the whole isomorphic API', () => {
    const expected = [
      'ERROR_CODES',
      'ERROR_STATUS',
      'isErrorCode',
      'ErrorEnvelopeSchema',
      'CreateSessionRequestSchema',
      'CreateSessionResponseSchema',
      'SubscriptionStatusSchema',
      'SubscriptionViewSchema',
      'UserViewSchema',
      'ProfileAuthorizationRequestSchema',
      'ProfileUpdateRequestSchema',
      'AvatarUploadResponseSchema',
      'PhoneBindRequestSchema',
      'API_ROUTES',
      'HTTP_LIMITS',
      'applyFollowerEvent',
      'reduceFollowerEvents',
      'subscriptionStatus',
      'subscriptionView',
      'pushDedupKey',
      'maskPhone',
      'ANONYMOUS_NICKNAME',
      'isAnonymousProfile',
      'mapWechatErrcode',
      'isAccessTokenInvalid',
      'isRetryableWechatError',
      'AVATAR_UPLOAD',
      'EVERY_ROUTE_ERRORS',
      'AUTH_ROUTE_ERRORS',
      'BODY_ROUTE_ERRORS',
      'routeTakesBody',
      'routeErrorCodes',
      'LINKAGE_EVENT_TYPES',
      'LinkageEventSchema',
      'SubscriptionListResponseSchema',
      'DEVTOOLS_TOURIST_LOGIN_CODE',
    ];
    expect(Object.keys(entry).sort()).toEqual(expected.sort());
  });

  // tsconfig.iso.json proves the types; this catches runtime globals the mini-program lacks.
  it.each(readdirSync(SRC).filter((f) => f.endsWith('.ts')))('%s uses no Node-only API', (file) => {
    const code = readFileSync(join(SRC, file), 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
    expect(code).not.toMatch(
      /\bBuffer\b|\bprocess\b|\brequire\(|from 'node:|from '(?:crypto|fs|path|os|util|zlib)'|from '\.\/node/,
    );
  });
});
