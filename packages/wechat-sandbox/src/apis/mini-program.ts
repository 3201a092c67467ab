import { constantTimeEqual } from '../constant-time';
import type { SandboxCore } from '../core';
import { TOURIST_LOGIN_CODE, demoRecord } from '../controls/users';
import { wechatError } from '../errors';
import type { UserRecord } from '../user-store';
import { sessionSignature } from '../wechat-crypto';
import { checkApp } from './credentials';
import { str, type Params } from './params';

/** The mini-program's WeChat APIs: code2Session, checksession, getuserphonenumber. */

/** code2Session: "频率限制，每个用户每分钟 100 次". */
export const LOGIN_RATE_PER_MINUTE = 100;

function rateLimitLogin(core: SandboxCore, rec: UserRecord): void {
  const now = core.now();
  rec.recentLogins = rec.recentLogins.filter((t) => now - t < 60_000);
  if (rec.recentLogins.length >= LOGIN_RATE_PER_MINUTE) throw wechatError('MINUTE_QUOTA');
  rec.recentLogins.push(now);
}

/**
 * A dev-mode login of the demo user: DevTools' tourist code (every time) or,
 * with acceptUnknownLoginCodes, any unknown code (once each). Rotates the
 * key as minting the code would have. Null when no dev mode applies.
 */
function devLogin(core: SandboxCore, code: string): UserRecord | null {
  const tourist = core.opts.devToolsTouristMode && code === TOURIST_LOGIN_CODE;
  if (!tourist && !core.opts.acceptUnknownLoginCodes) return null;
  if (!tourist && core.unknownCodesUsed.has(code)) throw wechatError('CODE_USED');
  const rec = demoRecord(core);
  rateLimitLogin(core, rec);
  if (!tourist) core.unknownCodesUsed.add(code);
  if (core.opts.rotateSessionKeyOnLogin) core.users.rotateSessionKey(rec);
  return rec;
}

/** The user a login code stands for (consuming it), or the error WeChat answers. */
function loginUser(core: SandboxCore, code: string): UserRecord {
  const found = core.codes.lookup(code, 'login');
  if (found.status === 'unknown') {
    const dev = devLogin(core, code);
    if (dev) return dev;
  }
  if (found.status === 'used') throw wechatError('CODE_USED');
  if (found.status !== 'ok') throw wechatError('INVALID_CODE'); // unknown or expired
  const rec = core.users.get(found.record.userId);
  rateLimitLogin(core, rec);
  core.codes.consume(found.record);
  if (rec.blocked) throw wechatError('CODE_BLOCKED');
  return rec;
}

/** GET sns/jscode2session */
export function code2Session(core: SandboxCore, q: Params): Record<string, unknown> {
  const appid = checkApp(core, q, ['mp']);
  if (str(q, 'grant_type') !== 'authorization_code') throw wechatError('INVALID_GRANT_TYPE');
  const code = str(q, 'js_code');
  if (!code) throw wechatError('CODE_MISSING');
  const rec = loginUser(core, code);
  const body: Record<string, unknown> = {
    session_key: core.users.currentSessionKey(rec),
    openid: rec.miniOpenid,
  };
  if (rec.unionid !== null && core.appFaults.isBound(appid)) body.unionid = rec.unionid;
  core.log.add('api.login', `code2Session: ${rec.id} logged in`);
  return body;
}

/**
 * GET (or POST) wxa/checksession (检验登录态, api_checksessionkey). The
 * signature is "用session_key对空字符串签名得到的结果。即 signature =
 * hmac_sha256(session_key, \"\")", sig_method "目前只支持 hmac_sha256"; the
 * page's errcodes are 0 "ok" and 87009 "invalid signature", and a key
 * replaced by a newer login ("旧的 session_key 被顶替而失效") also answers
 * 87009. The page defines the value as that hex digest (every example is
 * lower-case hex) and never says another spelling is accepted, so the
 * comparison is exact: a client that upper-cases the digest gets 87009 here
 * rather than learning it from WeChat. Missing parameters, another
 * sig_method and an unknown openid get the general errcodes 40097 and 40003:
 * the page lists neither, so these are the general "invalid args" and
 * "invalid openid" codes, assumed rather than documented for this API.
 */
export function checkSession(core: SandboxCore, params: Params): Record<string, unknown> {
  core.tokens.check(str(params, 'access_token'), core.config.miniProgram.appid);
  const openid = str(params, 'openid');
  const signature = str(params, 'signature');
  const method = str(params, 'sig_method');
  if (!openid || !signature || !method) throw wechatError('INVALID_ARGS');
  if (method !== 'hmac_sha256') throw wechatError('INVALID_ARGS');
  const rec = core.users.findByMiniOpenid(openid);
  if (!rec) throw wechatError('INVALID_OPENID');
  if (rec.sessionKey === null || !constantTimeEqual(signature, sessionSignature(rec.sessionKey))) {
    core.log.add('api.checksession', `checksession: ${rec.id} signature invalid`);
    throw wechatError('INVALID_SIGNATURE');
  }
  core.log.add('api.checksession', `checksession: ${rec.id} session_key valid`);
  return { errcode: 0, errmsg: 'ok' };
}

/**
 * POST wxa/business/getuserphonenumber. The body takes `code` and an
 * optional `openid` (getPhoneNumber 请求参数: "code | string | 是 | 手机号获取凭证",
 * "openid | string | 否"). The page's error table lists 40029 "code 无效" as
 * the only code error, so an unknown, expired or replayed code, and a code
 * minted for another user than the given openid, all answer 40029. The quota
 * was spent when the code was minted (see mintPhoneCode), so the exchange
 * never answers 1400001.
 */
export function phoneNumber(
  core: SandboxCore,
  accessToken: string | undefined,
  body: Params,
): Record<string, unknown> {
  core.tokens.check(accessToken, core.config.miniProgram.appid);
  const code = str(body, 'code');
  if (!code) throw wechatError('CODE_MISSING');
  const found = core.codes.lookup(code, 'phone');
  if (found.status !== 'ok') throw wechatError('INVALID_CODE');
  const rec = core.users.get(found.record.userId);
  const openid = str(body, 'openid');
  if (openid !== undefined && !constantTimeEqual(openid, rec.miniOpenid)) {
    throw wechatError('INVALID_CODE');
  }
  core.codes.consume(found.record);
  core.log.add('api.phone', `getuserphonenumber: ${rec.id}`);
  return {
    errcode: 0,
    errmsg: 'ok',
    phone_info: {
      phoneNumber: rec.countryCode === '86' ? rec.phone : `+${rec.countryCode}${rec.phone}`,
      purePhoneNumber: rec.phone,
      countryCode: rec.countryCode,
      watermark: { timestamp: core.nowSeconds(), appid: core.config.miniProgram.appid },
    },
  };
}
