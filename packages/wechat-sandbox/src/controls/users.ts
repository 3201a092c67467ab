import type { SandboxCore } from '../core';
import { SandboxError } from '../errors';
import type { CreateUserOptions } from '../user-options';
import type { SandboxUser, UserRecord, UserRef } from '../user-store';
import { userSnapshot } from '../user-view';
import { sandboxEncryptUserData, signRawData } from '../wechat-crypto';

/**
 * Control operations on users: creating them and minting what the WeChat
 * client would produce for them (login, phone and OAuth codes, getUserInfo
 * payloads).
 */

/** What modern WeChat returns instead of a real profile. */
export const ANONYMOUS_PROFILE = {
  nickName: '微信用户',
  avatarUrl:
    'https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132',
};

/**
 * The code DevTools' tourist mode (游客模式, no AppID) answers every
 * wx.login with. WeChat's servers reject it; the sandbox accepts it only
 * with `devToolsTouristMode`.
 */
export const TOURIST_LOGIN_CODE = 'the code is a mock one';

export interface UserInfoPayloadOptions {
  nickName?: string;
  /** watermark.timestamp (unix seconds); default now. */
  watermarkTimestamp?: number;
  /** The '微信用户' profile modern WeChat hands out. */
  anonymous?: boolean;
}

export interface UserInfoPayload {
  rawData: string;
  signature: string;
  encryptedData: string;
  iv: string;
}

export interface OAuthCodeOptions {
  /**
   * The user landed on a snapshot page (快照页): WeChat hands out a virtual
   * account. Only with scope snsapi_userinfo (the default when snapshot is set).
   */
  snapshot?: boolean;
  scope?: 'snsapi_base' | 'snsapi_userinfo';
  /** The official account the web page belongs to; default the primary. */
  appid?: string;
}

export function createUser(core: SandboxCore, opts?: CreateUserOptions): SandboxUser {
  const rec = core.users.create(opts);
  const follows = [...rec.follows].filter(([, f]) => f.following).map(([appid]) => appid);
  core.log.add(
    'user.created',
    `${rec.id} created (mini ${rec.miniOpenid}, oa ${rec.oaOpenid}, ${rec.unionid ? `unionid ${rec.unionid}` : 'no unionid'}${follows.length ? `, following ${follows.join(' ')}` : ''})`,
  );
  return userSnapshot(rec);
}

/** `n` followers of `appid` (default the primary), with increasing subscribe times. */
export function createFollowers(
  core: SandboxCore,
  n: number,
  opts: Omit<CreateUserOptions, 'following'> & { appid?: string } = {},
): SandboxUser[] {
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000) {
    throw new SandboxError('INVALID_OPTION', 'n must be an integer between 1 and 1000000');
  }
  if (typeof opts.unionid === 'string') {
    throw new SandboxError('INVALID_OPTION', 'createFollowers: unionid may only be null (unbound)');
  }
  const { appid, ...rest } = opts;
  const account = core.account(appid).config.appid;
  const last = opts.subscribeTime ?? core.nowSeconds();
  const out: SandboxUser[] = new Array<SandboxUser>(n);
  for (let i = 0; i < n; i += 1) {
    const rec = core.users.create({
      ...rest,
      following: [account],
      subscribeTime: Math.max(0, last - (n - 1 - i)),
    });
    out[i] = userSnapshot(rec);
  }
  core.log.add('user.created', `${n} followers of ${account} created`);
  return out;
}

/**
 * A wx.login code for the user. As on WeChat, producing a login code
 * replaces the session_key whether or not the code ever reaches the
 * developer's server, unless `rotateSessionKeyOnLogin` is off.
 */
export function mintLoginCode(core: SandboxCore, ref: UserRef): string {
  const rec = core.users.get(ref);
  const rotate = core.opts.rotateSessionKeyOnLogin;
  if (rotate) core.users.rotateSessionKey(rec);
  else core.users.currentSessionKey(rec);
  const code = core.codes.mint('login', rec.id);
  core.log.add(
    'code.login',
    `login code minted for ${rec.id}${rotate ? ' (session_key rotated)' : ''}`,
  );
  return code;
}

/** The getUserInfo payload (rawData, signature, encryptedData, iv) under the current key. */
export function userInfoPayload(
  core: SandboxCore,
  ref: UserRef,
  opts: UserInfoPayloadOptions = {},
): UserInfoPayload {
  const rec = core.users.get(ref);
  const sessionKey = core.users.currentSessionKey(rec);
  const anonymous = opts.anonymous === true;
  const profile = anonymous
    ? {
        nickName: ANONYMOUS_PROFILE.nickName,
        gender: 0,
        language: '',
        city: '',
        province: '',
        country: '',
        avatarUrl: ANONYMOUS_PROFILE.avatarUrl,
        is_demote: true,
      }
    : {
        nickName: opts.nickName ?? rec.nickName,
        gender: rec.gender,
        language: 'zh_CN',
        city: '',
        province: '',
        country: '',
        avatarUrl: rec.avatarUrl,
      };
  const rawData = JSON.stringify(profile);
  const decrypted: Record<string, unknown> = { openId: rec.miniOpenid, ...profile };
  if (rec.unionid !== null && core.appFaults.isBound(core.config.miniProgram.appid)) {
    decrypted.unionId = rec.unionid;
  }
  decrypted.watermark = {
    timestamp: opts.watermarkTimestamp ?? core.nowSeconds(),
    appid: core.config.miniProgram.appid,
  };
  const { encryptedData, iv } = sandboxEncryptUserData(decrypted, sessionKey);
  core.log.add('userinfo', `getUserInfo payload for ${rec.id}${anonymous ? ' (anonymous)' : ''}`);
  return { rawData, signature: signRawData(rawData, sessionKey), encryptedData, iv };
}

/**
 * The user taps the getPhoneNumber button and it succeeds. WeChat checks and
 * spends the quota here, not at the server's exchange: "查询节点：用户点击button时，
 * 进行资源包额度查询。若查询额度不足，开发者将收到错误码 e.detail.errno===1400001" and
 * "扣费节点：开发者获得 bindgetphonenumber 事件的 success 回调信息时，进行扣费"
 * (手机号快速验证组件). An exhausted quota throws SandboxError
 * `PHONE_QUOTA_EXHAUSTED` with `errno` 1400001, what the button reports.
 */
export function mintPhoneCode(core: SandboxCore, ref: UserRef): string {
  const rec = core.users.get(ref);
  if (core.phoneQuota <= 0) {
    core.log.add('code.phone', `getPhoneNumber for ${rec.id} failed: quota exhausted (1400001)`);
    throw new SandboxError(
      'PHONE_QUOTA_EXHAUSTED',
      'getPhoneNumber:fail 该功能使用次数已达当前小程序上限，暂时无法使用 (errno 1400001)',
      1400001,
    );
  }
  if (core.phoneQuota !== Infinity) core.phoneQuota -= 1;
  const code = core.codes.mint('phone', rec.id);
  core.log.add('code.phone', `phone code minted for ${rec.id} (quota spent)`);
  return code;
}

export function setPhoneQuota(core: SandboxCore, n: number): void {
  if (!(n === Infinity || (Number.isInteger(n) && n >= 0))) {
    throw new SandboxError(
      'INVALID_OPTION',
      'phone quota must be a non-negative integer or Infinity',
    );
  }
  core.phoneQuota = n;
  core.log.add('phone.quota', `phone quota set to ${n}`);
}

/**
 * A web OAuth code. Snapshot pages exist only for snsapi_userinfo: "当开发者在
 * 网页中在不规范使用发起 snsapi_userinfo 网页授权时，微信将默认打开网页快照页模式"
 * (微信网页授权能力调整公告); snsapi_base is silent and never shows one.
 */
export function mintOAuthCode(
  core: SandboxCore,
  ref: UserRef,
  opts: OAuthCodeOptions = {},
): string {
  const rec = core.users.get(ref);
  const snapshot = opts.snapshot === true;
  const scope = opts.scope ?? (snapshot ? 'snsapi_userinfo' : 'snsapi_base');
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') {
    throw new SandboxError('INVALID_OPTION', 'scope must be snsapi_base or snsapi_userinfo');
  }
  if (snapshot && scope !== 'snsapi_userinfo') {
    throw new SandboxError(
      'INVALID_OPTION',
      'snapshot pages only happen with scope snsapi_userinfo (snsapi_base is silent)',
    );
  }
  const appid = core.account(opts.appid).config.appid;
  const code = core.codes.mint('oauth', rec.id, { snapshot, scope, appid });
  core.log.add(
    'code.oauth',
    `OAuth code minted for ${rec.id} on ${appid}${snapshot ? ' (snapshot page)' : ''}`,
  );
  return code;
}

/**
 * The dev-mode demo user (the one unknown and tourist login codes log in),
 * created on the first call. Asking does not log it in or rotate its
 * session_key. Without a dev login mode no login can reach it, so asking is
 * an error, not a new user.
 */
export function demoUser(core: SandboxCore): SandboxUser {
  if (!core.opts.acceptUnknownLoginCodes && !core.opts.devToolsTouristMode) {
    throw new SandboxError(
      'INVALID_OPTION',
      'demoUser() needs acceptUnknownLoginCodes or devToolsTouristMode (no login code reaches the demo user otherwise)',
    );
  }
  return userSnapshot(demoRecord(core));
}

/** The demo user's record, created on first use. */
export function demoRecord(core: SandboxCore): UserRecord {
  if (!core.demoRecord) {
    core.demoRecord = core.users.get(createUser(core, { nickName: '沙盒演示用户' }).id);
    core.log.add('user.demo', `${core.demoRecord.id} is the demo user for dev login codes`);
  }
  return core.demoRecord;
}
