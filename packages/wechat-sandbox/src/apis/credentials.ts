import { constantTimeEqual } from '../constant-time';
import type { SandboxCore } from '../core';
import { SandboxWechatApiError, wechatError } from '../errors';
import type { IssuedToken } from '../token-store';
import { str, type Params } from './params';

/** `cgi-bin/token`, `cgi-bin/stable_token` and the appid/secret check they share. */

function mask(secretish: string): string {
  return secretish.length <= 8 ? '***' : `${secretish.slice(0, 6)}…`;
}

/** appid + secret check of the secret-authenticated endpoints; returns the appid. */
export function checkApp(core: SandboxCore, params: Params, allowed: Array<'mp' | 'oa'>): string {
  const appid = str(params, 'appid');
  const secret = str(params, 'secret');
  if (!appid) throw wechatError('APPID_MISSING');
  const oa = core.accounts.get(appid);
  const app =
    appid === core.config.miniProgram.appid
      ? { kind: 'mp' as const, secret: core.config.miniProgram.secret }
      : oa
        ? { kind: 'oa' as const, secret: oa.config.secret }
        : null;
  if (!app || !allowed.includes(app.kind)) throw wechatError('INVALID_APPID');
  if (!secret) throw wechatError('APPSECRET_MISSING');
  if (!constantTimeEqual(secret, app.secret)) throw wechatError('INVALID_APPSECRET');
  return appid;
}

/** A per-app token fault (wrong secret, frozen secret, IP not allow-listed), if injected. */
function takeTokenFault(core: SandboxCore, appid: string): void {
  const fault = core.appFaults.takeTokenFault(appid);
  if (fault) {
    core.log.add('fault', `token fetch of ${appid}: answered errcode ${fault.errcode}`);
    throw new SandboxWechatApiError(fault);
  }
}

/** GET cgi-bin/token */
export function token(core: SandboxCore, q: Params): IssuedToken {
  if (str(q, 'grant_type') !== 'client_credential') throw wechatError('INVALID_GRANT_TYPE');
  const appid = checkApp(core, q, ['mp', 'oa']);
  takeTokenFault(core, appid);
  const issued = core.tokens.issueToken(appid);
  core.log.add('token.issued', `cgi-bin/token issued ${mask(issued.access_token)} for ${appid}`);
  return issued;
}

/**
 * POST cgi-bin/stable_token. "该接口仅支持 POST JSON 形式的调用": a body that is
 * not a JSON object (a form post) carries no parameters WeChat can read, so
 * it answers 41002 "appid missing" (what WeChat answers form posts, as the
 * open community's threads on this endpoint show) — the appid is checked
 * before grant_type for that reason.
 */
export function stableToken(core: SandboxCore, body: Params | null): IssuedToken {
  const params = body ?? {};
  if (!str(params, 'appid')) throw wechatError('APPID_MISSING');
  if (params.grant_type !== 'client_credential') throw wechatError('INVALID_GRANT_TYPE');
  const appid = checkApp(core, params, ['mp', 'oa']);
  const force = params.force_refresh;
  if (force !== undefined && typeof force !== 'boolean') throw wechatError('INVALID_ARGS');
  takeTokenFault(core, appid);
  const { issued, minted } = core.tokens.stableToken(appid, force === true);
  if (minted) {
    core.log.add(
      'token.issued',
      `stable_token issued ${mask(issued.access_token)} for ${appid}${force ? ' (force_refresh)' : ''}`,
    );
  }
  return issued;
}
