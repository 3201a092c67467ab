import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import * as follows from '../controls/follow';
import * as users from '../controls/users';
import type { SandboxCore } from '../core';
import { SandboxError } from '../errors';
import type { SandboxErrorCode } from '../errors';
import {
  bad,
  body,
  optBool,
  optInt,
  optString,
  pushMode,
  queryInt,
  userOptions,
} from './control-input';
import type { Body } from './control-input';

/**
 * The control API under `/__sandbox`, so the CLI and `npm run dev` can drive
 * a running sandbox. Local test gear: no authentication (bind to 127.0.0.1).
 * Errors: `{error: {code, message}}` with 400 (bad input), 404 (unknown
 * user or account) or 409 (the phone quota is spent; `errno` 1400001).
 * Official-account operations take an optional `appid` (default: the primary).
 */

const STATUS: Partial<Record<SandboxErrorCode, number>> = {
  UNKNOWN_USER: 404,
  UNKNOWN_ACCOUNT: 404,
  PHONE_QUOTA_EXHAUSTED: 409,
};

function errorHandler(core: SandboxCore) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof SandboxError) {
      res.status(STATUS[err.code] ?? 400).json({
        error: { code: err.code, message: err.message, ...(err.errno ? { errno: err.errno } : {}) },
      });
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'BAD_REQUEST', message: (err as Error).message } });
      return;
    }
    core.log.add('error', `control API: ${(err as Error).message}`);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'unexpected sandbox error' } });
  };
}

function pushTargets(core: SandboxCore) {
  return Object.fromEntries([...core.accounts].map(([appid, a]) => [appid, a.pushTarget]));
}

function userRoutes(router: Router, core: SandboxCore): void {
  router.get('/users', (req, res) => {
    const offset = queryInt(req, 'offset', 0, 10_000_000);
    const limit = queryInt(req, 'limit', 100, 10_000);
    res.json({
      total: core.users.count(),
      users: core.users.list(offset, limit).map((rec) => core.view(rec)),
    });
  });
  router.post('/users', (req, res) => {
    const created = users.createUser(core, userOptions(body(req)));
    res.status(201).json(core.view(core.users.get(created.id)));
  });
  router.post('/followers', (req, res) => {
    const b = body(req);
    const n = optInt(b, 'n');
    if (n === undefined) bad('n is required');
    const made = users.createFollowers(core, n, {
      unionid: optBool(b, 'unbound') ? null : undefined,
      subscribeTime: optInt(b, 'subscribeTime'),
      appid: optString(b, 'appid'),
    });
    res.status(201).json({ count: made.length, first: made[0], last: made[made.length - 1] });
  });
  router.get('/users/:id', (req, res) => {
    res.json(core.view(core.users.get(req.params.id)));
  });
  router.get('/users/:id/session-key', (req, res) => {
    res.json({ sessionKey: core.users.currentSessionKey(core.users.get(req.params.id)) });
  });
}

function codeRoutes(router: Router, core: SandboxCore): void {
  router.post('/users/:id/login-code', (req, res) => {
    res.status(201).json({ code: users.mintLoginCode(core, req.params.id) });
  });
  router.post('/users/:id/phone-code', (req, res) => {
    res.status(201).json({ code: users.mintPhoneCode(core, req.params.id) });
  });
  router.post('/users/:id/oauth-code', (req, res) => {
    const b = body(req);
    const scope = optString(b, 'scope');
    if (scope !== undefined && scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
      bad('scope must be snsapi_base or snsapi_userinfo');
    }
    const code = users.mintOAuthCode(core, req.params.id, {
      snapshot: optBool(b, 'snapshot'),
      scope,
      appid: optString(b, 'appid'),
    });
    res.status(201).json({ code });
  });
  router.post('/users/:id/user-info', (req, res) => {
    const b = body(req);
    res.status(201).json(
      users.userInfoPayload(core, req.params.id, {
        nickName: optString(b, 'nickName'),
        watermarkTimestamp: optInt(b, 'watermarkTimestamp'),
        anonymous: optBool(b, 'anonymous'),
      }),
    );
  });
}

function followRoutes(router: Router, core: SandboxCore): void {
  const follow = (on: boolean) => async (req: Request, res: Response) => {
    const b = body(req);
    const id = req.params.id as string;
    const push = await follows.follow(core, id, on, {
      at: optInt(b, 'at'),
      scene: on ? optString(b, 'scene') : undefined,
      push: optBool(b, 'push'),
      appid: optString(b, 'appid'),
    });
    res.json({ user: core.view(core.users.get(id)), push });
  };
  router.post('/users/:id/follow', follow(true));
  router.post('/users/:id/unfollow', follow(false));
  router.put('/push-target', (req, res) => {
    const b = body(req);
    const url = optString(b, 'url');
    if (!url) bad('url is required (DELETE /__sandbox/push-target clears it)');
    const appid = optString(b, 'appid');
    follows.setPushTarget(core, { url, mode: pushMode(b.mode) ?? 'plain' }, appid);
    res.json({ pushTarget: core.account(appid).pushTarget });
  });
  router.delete('/push-target', (req, res) => {
    const appid = typeof req.query.appid === 'string' ? req.query.appid : undefined;
    follows.setPushTarget(core, null, appid);
    res.json({ pushTarget: null });
  });
  router.post('/push', async (req, res) => {
    const b = body(req);
    const fields = b.fields;
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      bad('fields must be an object of XML fields');
    }
    for (const v of Object.values(fields as Body)) {
      if (typeof v !== 'string' && typeof v !== 'number')
        bad('field values must be strings or numbers');
    }
    const result = await follows.push(core, fields as Record<string, string | number>, {
      url: optString(b, 'url'),
      mode: pushMode(b.mode),
      timeoutMs: optInt(b, 'timeoutMs'),
      attempts: optInt(b, 'attempts'),
      appid: optString(b, 'appid'),
    });
    res.json(result);
  });
}

function faultRoutes(router: Router, core: SandboxCore): void {
  const list = () => ({ faults: core.faults.list(), appFaults: core.appFaults.list() });
  router.get('/faults', (_req, res) => {
    res.json(list());
  });
  router.post('/faults', (req, res) => {
    const b = body(req);
    const route = optString(b, 'route');
    if (!route) bad('route is required');
    core.injectFault(route, {
      errcode: optInt(b, 'errcode'),
      errmsg: optString(b, 'errmsg'),
      delayMs: optInt(b, 'delayMs'),
      drop: optBool(b, 'drop'),
      times: optInt(b, 'times'),
    });
    res.status(201).json(list());
  });
  router.post('/faults/token', (req, res) => {
    const b = body(req);
    const appid = optString(b, 'appid');
    const errcode = optInt(b, 'errcode');
    if (!appid || errcode === undefined) bad('appid and errcode are required');
    core.injectTokenFault(appid, errcode, optInt(b, 'times'));
    res.status(201).json(list());
  });
  router.put('/apps/:appid/open-platform', (req, res) => {
    const bound = optBool(body(req), 'bound');
    if (bound === undefined) bad('bound is required');
    core.setOpenPlatformBound(req.params.appid, bound);
    res.json(list());
  });
  router.delete('/faults', (_req, res) => {
    core.clearFaults();
    res.json(list());
  });
}

/** The control API router, mounted under `/__sandbox`. */
export function controlRouter(core: SandboxCore): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));
  router.get('/config', (_req, res) => {
    res.json({
      config: core.config,
      pushTarget: core.account().pushTarget,
      pushTargets: pushTargets(core),
    });
  });
  userRoutes(router, core);
  codeRoutes(router, core);
  followRoutes(router, core);
  faultRoutes(router, core);
  router.post('/tokens/invalidate', (req, res) => {
    core.invalidateAccessToken(optString(body(req), 'appid'));
    res.json({ ok: true });
  });
  router.put('/phone-quota', (req, res) => {
    const b = body(req);
    const n = b.n === null ? Infinity : optInt(b, 'n');
    if (n === undefined) bad('n is required (null for unlimited)');
    users.setPhoneQuota(core, n);
    res.json({ ok: true });
  });
  router.get('/stats', (_req, res) => {
    res.json(core.stats());
  });
  router.get('/events', (req, res) => {
    res.json({ events: core.events(queryInt(req, 'since', 0, Number.MAX_SAFE_INTEGER)) });
  });
  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'no such control route' } });
  });
  router.use(errorHandler(core));
  return router;
}
