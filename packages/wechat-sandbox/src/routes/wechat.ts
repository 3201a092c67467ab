import express from 'express';
import type { Request, Response, Router } from 'express';
import { stableToken, token } from '../apis/credentials';
import { checkSession, code2Session, phoneNumber } from '../apis/mini-program';
import { batchUserInfo, oauthAccessToken, userGet, userInfo } from '../apis/official-account';
import { str, type Params } from '../apis/params';
import type { SandboxCore, WechatRoute } from '../core';
import { SandboxWechatApiError, errmsgFor, wechatError } from '../errors';
import { newRid } from '../ids';

/**
 * The WeChat-compatible routes. WeChat answers HTTP 200 with a JSON body for
 * success and failure alike; failures are `{errcode, errmsg}` where errmsg
 * ends with a request id (", rid: …"), as on the real API.
 */

type Method = 'GET' | 'POST';
/** `body` is null only under 'json-or-nothing', for a body that is not a JSON object. */
type Handler = (req: Request, body: Params | null) => unknown;

/** How a POST route reads its body. */
type BodyRule = 'required' | 'optional' | 'json-or-nothing';

export type Sleep = (ms: number) => Promise<void>;

function fail(res: Response, errcode: number, errmsg: string): void {
  res.status(200).json({ errcode, errmsg: `${errmsg}, rid: ${newRid()}` });
}

function parseObject(text: string): Params | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Params)
      : null;
  } catch {
    return null;
  }
}

/**
 * JSON bodies are parsed here (not by express.json) so bad JSON gets WeChat's
 * 47001; under 'json-or-nothing' a body that is not a JSON object reads as no
 * parameters at all (stable_token: see apis/credentials).
 */
function parseJsonBody(req: Request, rule: BodyRule): Params | null {
  const raw: unknown = req.body;
  const text = typeof raw === 'string' ? raw : '';
  if (text.trim() === '') {
    if (rule === 'optional') return {};
    throw wechatError('EMPTY_POST_DATA');
  }
  const parsed = parseObject(text);
  if (parsed === null && rule !== 'json-or-nothing') throw wechatError('DATA_FORMAT_ERROR');
  return parsed;
}

function queryToken(req: Request): string | undefined {
  return str(req.query, 'access_token');
}

export function wechatRouter(core: SandboxCore, sleep: Sleep): Router {
  const router = express.Router();
  // Any content type: WeChat itself does not insist on application/json.
  const text = express.text({ type: () => true, limit: '1mb' });

  const route = (
    name: WechatRoute,
    methods: Method[],
    handler: Handler,
    bodyRule: BodyRule = 'required',
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
        const body = method === 'POST' ? parseJsonBody(req, bodyRule) : {};
        res.status(200).json(handler(req, body));
      } catch (err) {
        if (err instanceof SandboxWechatApiError) {
          fail(res, err.errcode, err.errmsg);
          return;
        }
        core.log.add('error', `${name}: unexpected ${(err as Error).message}`);
        fail(res, -1, 'system error');
      }
    });
  };

  route('sns/jscode2session', ['GET'], (req) => code2Session(core, req.query));
  route('cgi-bin/token', ['GET'], (req) => token(core, req.query));
  route(
    'cgi-bin/stable_token',
    ['POST'],
    (_req, body) => stableToken(core, body),
    'json-or-nothing',
  );
  // The docs show GET with query parameters; the newer page lists openid,
  // signature and sig_method as a payload, so a POSTed JSON body works too.
  route(
    'wxa/checksession',
    ['GET', 'POST'],
    (req, body) => checkSession(core, { ...(body ?? {}), ...req.query }),
    'optional',
  );
  route('wxa/business/getuserphonenumber', ['POST'], (req, body) =>
    phoneNumber(core, queryToken(req), body ?? {}),
  );
  route('cgi-bin/user/info', ['GET'], (req) => userInfo(core, req.query));
  route('cgi-bin/user/info/batchget', ['POST'], (req, body) =>
    batchUserInfo(core, queryToken(req), body ?? {}),
  );
  route('cgi-bin/user/get', ['GET'], (req) => userGet(core, req.query));
  route('sns/oauth2/access_token', ['GET'], (req) => oauthAccessToken(core, req.query));
  return router;
}
