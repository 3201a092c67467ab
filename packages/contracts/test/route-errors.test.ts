import {
  API_ROUTES,
  AUTH_ROUTE_ERRORS,
  BODY_ROUTE_ERRORS,
  ERROR_CODES,
  EVERY_ROUTE_ERRORS,
  routeErrorCodes,
  routeTakesBody,
  type ApiRoute,
} from '../src';

describe('routeErrorCodes', () => {
  it('adds the codes every route, every authenticated route and every body can answer', () => {
    expect(routeErrorCodes(API_ROUTES.createSession)).toEqual([
      'VALIDATION_FAILED',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      'ACCOUNT_BLOCKED',
      'WECHAT_CODE_INVALID',
      'WECHAT_USER_BLOCKED',
      'WECHAT_UNAVAILABLE',
      'SERVICE_UNAVAILABLE',
      'INTERNAL',
    ]);
    expect(routeErrorCodes(API_ROUTES.getMe)).toEqual([
      'RATE_LIMITED',
      'SESSION_INVALID',
      'ACCOUNT_BLOCKED',
      'SERVICE_UNAVAILABLE',
      'INTERNAL',
    ]);
    // The multipart upload has no JSON schema but still reads a body.
    expect(routeErrorCodes(API_ROUTES.uploadAvatar)).toEqual(
      expect.arrayContaining(['VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'ACCOUNT_BLOCKED']),
    );
  });

  it('never answers NOT_FOUND or the WeChat push and OAuth codes on a mini-program route', () => {
    for (const route of Object.values(API_ROUTES)) {
      const codes = routeErrorCodes(route);
      for (const code of [
        'NOT_FOUND',
        'PUSH_SIGNATURE_INVALID',
        'PUSH_REJECTED',
        'OAUTH_STATE_INVALID',
      ]) {
        expect(codes).not.toContain(code);
      }
    }
  });

  it('lists codes in ERROR_CODES order without repeats', () => {
    for (const route of Object.values(API_ROUTES)) {
      const codes = routeErrorCodes(route);
      expect(new Set(codes).size).toBe(codes.length);
      const positions = codes.map((c) => ERROR_CODES.indexOf(c));
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('follows the route description, not its name', () => {
    const route: Pick<ApiRoute, 'method' | 'request' | 'auth' | 'errors'> = {
      method: 'GET',
      request: null,
      auth: false,
      errors: ['NOT_FOUND'],
    };
    expect(routeErrorCodes(route)).toEqual(['NOT_FOUND', ...EVERY_ROUTE_ERRORS]);
    expect(routeErrorCodes({ ...route, auth: true })).toEqual(
      expect.arrayContaining([...AUTH_ROUTE_ERRORS]),
    );
    expect(routeErrorCodes({ ...route, method: 'PUT' })).toEqual(
      expect.arrayContaining([...BODY_ROUTE_ERRORS]),
    );
  });
});

describe('routeTakesBody', () => {
  it('is true for JSON bodies and POST/PUT uploads, false for GET and DELETE', () => {
    const taking = Object.entries(API_ROUTES)
      .filter(([, r]) => routeTakesBody(r))
      .map(([name]) => name);
    expect(taking.sort()).toEqual(
      ['authorizeProfile', 'bindPhone', 'createSession', 'updateProfile', 'uploadAvatar'].sort(),
    );
  });
});
