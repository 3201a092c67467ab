import express from 'express';
import type { Request, Response, Router } from 'express';
import type { SandboxCore, WechatRoute } from '../core';
import { WechatApiError, errmsgFor, wechatError } from '../errors';
import { newRid } from '../ids';

/**
 * The WeChat-compatible routes. WeChat answers HTTP 200 with a JSON body for
 * success and failure alike; failures are `{errcode, errmsg}` where errmsg
 * ends with a request id (", rid: …"), as on the real API.
 */

type Method = 'GET' | 'POST';
type Params = Record<string, unknown>;
type Handler = (req: Request, body: Params) => unknown;

export type Sleep = (ms: number) => Promise<void>;

function fail(res: Response, errcode: number, errmsg: string): void {
  res.status(200).json({ errcode, errmsg: `${errmsg}, rid: ${newRid()}` });
}

/** JSON bodies are parsed here (not by express.json) so bad JSON gets WeChat's 47001. */
function parseJsonBody(req: Request, optional: boolean): Params {
  const raw: unknown = req.body;
  const text = typeof raw === 'string' ? raw : '';
  if (text.trim() === '') {
    if (optional) return {};
    throw wechatError('EMPTY_POST_DATA');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw wechatError('DATA_FORMAT_ERROR');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw wechatError('DATA_FORMAT_ERROR');
  }
  return parsed as Params;
}

function queryToken(req: Request): string | undefined {
  const v = req.query.access_token;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function wechatRouter(core: SandboxCore, sleep: Sleep): Router {
  const router = express.Router();
  // Any content type: WeChat itself does not insist on application/json.
  const text = express.text({ type: () => true, limit: '1mb' });

  const route = (
    name: WechatRoute,
    methods: Method[],
    handler: Handler,
    bodyOptional = false,
  ): void => {
    router.all(`/${name}`, text, async (req, res) => {
      core.countCall(name);
      const fault = core.faults.take(name);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.drop) {
        core.log.add('fault', `${name}: connection dropped`);
        req.socket.destroy();
        return;
      }
      if (fault?.errcode !== undefined) {
        core.log.add('fault', `${name}: answered errcode ${fault.errcode}`);
        fail(res, fault.errcode, fault.errmsg ?? errmsgFor(fault.errcode));
        return;
      }
      const method = req.method === 'HEAD' ? 'GET' : (req.method as Method);
      if (!methods.includes(method)) {
        const e = wechatError(methods.includes('POST') ? 'REQUIRE_POST' : 'REQUIRE_GET');
        fail(res, e.errcode, e.errmsg);
        return;
      }
      try {
        const body = method === 'POST' ? parseJsonBody(req, bodyOptional) : {};
        res.status(200).json(handler(req, body));
      } catch (err) {
        if (err instanceof WechatApiError) {
          fail(res, err.errcode, err.errmsg);
          return;
        }
        core.log.add('error', `${name}: unexpected ${(err as Error).message}`);
        fail(res, -1, 'system error');
      }
    });
  };

  route('sns/jscode2session', ['GET'], (req) => core.code2Session(req.query));
  route('cgi-bin/token', ['GET'], (req) => core.token(req.query));
  route('cgi-bin/stable_token', ['POST'], (_req, body) => core.stableToken(body));
  // The docs show GET with query parameters; the newer page lists openid,
  // signature and sig_method as a payload, so a POSTed JSON body works too.
  route(
    'wxa/checksession',
    ['GET', 'POST'],
    (req, body) => core.checkSession({ ...body, ...req.query }),
    true,
  );
  route('wxa/business/getuserphonenumber', ['POST'], (req, body) =>
    core.phoneNumber(queryToken(req), body),
  );
  route('cgi-bin/user/info', ['GET'], (req) => core.userInfo(req.query));
  route('cgi-bin/user/info/batchget', ['POST'], (req, body) =>
    core.batchUserInfo(queryToken(req), body),
  );
  route('cgi-bin/user/get', ['GET'], (req) => core.userGet(req.query));
  route('sns/oauth2/access_token', ['GET'], (req) => core.oauthAccessToken(req.query));
  return router;
}
