import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { SandboxCore } from '../core';
import { SandboxError } from '../errors';
import type { PushMode } from '../pusher';
import type { CreateUserOptions } from '../user-store';

/**
 * The control API under `/__sandbox`, so the CLI and `npm run dev` can drive
 * a running sandbox. Local test gear: no authentication (bind to 127.0.0.1).
 * Errors: `{error: {code, message}}` with 400 (bad input) or 404 (unknown user).
 */

type Body = Record<string, unknown>;

function body(req: Request): Body {
  const b: unknown = req.body;
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

function bad(message: string): never {
  throw new SandboxError('INVALID_OPTION', message);
}

function optString(b: Body, name: string): string | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') bad(`${name} must be a string`);
  return v;
}

function optInt(b: Body, name: string): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) bad(`${name} must be an integer`);
  return v;
}

function optBool(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') bad(`${name} must be a boolean`);
  return v;
}

function queryInt(req: Request, name: string, fallback: number, max: number): number {
  const raw = req.query[name];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > max) bad(`${name} must be an integer between 0 and ${max}`);
  return n;
}

function userOptions(b: Body): CreateUserOptions {
  const unbound = optBool(b, 'unbound');
  const gender = optInt(b, 'gender');
  if (gender !== undefined && gender !== 0 && gender !== 1 && gender !== 2)
    bad('gender must be 0, 1 or 2');
  return {
    unionid: unbound ? null : b.unionid === null ? null : optString(b, 'unionid'),
    nickName: optString(b, 'nickName'),
    avatarUrl: optString(b, 'avatarUrl'),
    gender,
    phone: optString(b, 'phone'),
    countryCode: optString(b, 'countryCode'),
    following: optBool(b, 'following'),
    subscribeTime: optInt(b, 'subscribeTime'),
    scene: optString(b, 'scene'),
    blocked: optBool(b, 'blocked'),
  };
}

function pushMode(v: unknown): PushMode | undefined {
  if (v === undefined || v === null) return undefined;
  if (v !== 'plain' && v !== 'compat' && v !== 'safe') bad('mode must be plain, compat or safe');
  return v;
}

export function controlRouter(core: SandboxCore): Router {
  const router = express.Router();
  router.use(express.json({ limit: '1mb' }));

  router.get('/config', (_req, res) => {
    res.json({ config: core.config, pushTarget: core.getPushTarget() });
  });

  router.get('/users', (req, res) => {
    res.json(
      core.listUsers(queryInt(req, 'offset', 0, 10_000_000), queryInt(req, 'limit', 100, 10_000)),
    );
  });

  router.post('/users', (req, res) => {
    const created = core.createUser(userOptions(body(req)));
    res.status(201).json(core.user(created.id));
  });

  router.post('/followers', (req, res) => {
    const b = body(req);
    const n = optInt(b, 'n');
    if (n === undefined) bad('n is required');
    const users = core.createFollowers(n, {
      unionid: optBool(b, 'unbound') ? null : undefined,
      subscribeTime: optInt(b, 'subscribeTime'),
    });
    res.status(201).json({ count: users.length, first: users[0], last: users[users.length - 1] });
  });

  router.get('/users/:id', (req, res) => {
    res.json(core.user(req.params.id));
  });

  router.get('/users/:id/session-key', (req, res) => {
    res.json({ sessionKey: core.sessionKeyOf(req.params.id) });
  });

  router.post('/users/:id/login-code', (req, res) => {
    res.status(201).json({ code: core.mintLoginCode(req.params.id) });
  });

  router.post('/users/:id/phone-code', (req, res) => {
    res.status(201).json({ code: core.mintPhoneCode(req.params.id) });
  });

  router.post('/users/:id/oauth-code', (req, res) => {
    const b = body(req);
    const code = core.mintOAuthCode(req.params.id, {
      snapshot: optBool(b, 'snapshot'),
      scope: optString(b, 'scope'),
    });
    res.status(201).json({ code });
  });

  router.post('/users/:id/user-info', (req, res) => {
    const b = body(req);
    res.status(201).json(
      core.userInfoPayload(req.params.id, {
        nickName: optString(b, 'nickName'),
        watermarkTimestamp: optInt(b, 'watermarkTimestamp'),
        anonymous: optBool(b, 'anonymous'),
      }),
    );
  });

  const follow = (following: boolean) => async (req: Request, res: Response) => {
    const b = body(req);
    const push = await core.follow(req.params.id as string, following, {
      at: optInt(b, 'at'),
      scene: optString(b, 'scene'),
      push: optBool(b, 'push'),
    });
    res.json({ user: core.user(req.params.id as string), push });
  };
  router.post('/users/:id/follow', follow(true));
  router.post('/users/:id/unfollow', follow(false));

  router.put('/push-target', (req, res) => {
    const b = body(req);
    const url = optString(b, 'url');
    if (!url) bad('url is required (DELETE /__sandbox/push-target clears it)');
    core.setPushTarget({ url, mode: pushMode(b.mode) ?? 'plain' });
    res.json({ pushTarget: core.getPushTarget() });
  });

  router.delete('/push-target', (_req, res) => {
    core.setPushTarget(null);
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
    const result = await core.push(fields as Record<string, string | number>, {
      url: optString(b, 'url'),
      mode: pushMode(b.mode),
      timeoutMs: optInt(b, 'timeoutMs'),
      retries: optInt(b, 'retries'),
    });
    res.json(result);
  });

  router.get('/faults', (_req, res) => {
    res.json({ faults: core.faults.list() });
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
    res.status(201).json({ faults: core.faults.list() });
  });

  router.delete('/faults', (_req, res) => {
    core.clearFaults();
    res.json({ faults: [] });
  });

  router.post('/tokens/invalidate', (req, res) => {
    core.invalidateAccessToken(optString(body(req), 'appid'));
    res.json({ ok: true });
  });

  router.put('/phone-quota', (req, res) => {
    const b = body(req);
    const n = b.n === null ? Infinity : optInt(b, 'n');
    if (n === undefined) bad('n is required (null for unlimited)');
    core.setPhoneQuota(n);
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

  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof SandboxError) {
      res
        .status(err.code === 'UNKNOWN_USER' ? 404 : 400)
        .json({ error: { code: err.code, message: err.message } });
      return;
    }
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'BAD_REQUEST', message: (err as Error).message } });
      return;
    }
    core.log.add('error', `control API: ${(err as Error).message}`);
    res.status(500).json({ error: { code: 'INTERNAL', message: 'unexpected sandbox error' } });
  });

  return router;
}
