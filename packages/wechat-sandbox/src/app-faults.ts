import { SandboxError, errmsgFor } from './errors';

/**
 * Per-app failures a deployment meets in production and a `doctor` command
 * must explain, injected by appid rather than by route:
 *
 * - token faults: `cgi-bin/token` and `cgi-bin/stable_token` answer an
 *   errcode for that app: 40001 / 40125 (wrong AppSecret: the getAccessToken
 *   error table lists "40001 … 获取 access_token 时 AppSecret 错误" and
 *   "40125 invalid appsecret"), 40243 ("AppSecret冻结后，开发者无法使用AppSecret获取
 *   Access token（接口返回错误码40243）") or 61004 ("白名单内的 IP 才可以调用获取接口调用
 *   凭据接口 或 获取稳定版接口调用凭据接口，否则会提示 61004 错误").
 * - an app not bound to the Open Platform: its APIs never return a unionid
 *   ("unionid 只有在用户将公众号绑定到微信开放平台账号后，才会出现该字段").
 */

/** The errcodes a token fault may answer. */
export const TOKEN_FAULT_ERRCODES = [40001, 40125, 40243, 61004] as const;
export type TokenFaultErrcode = (typeof TOKEN_FAULT_ERRCODES)[number];

interface TokenFault {
  errcode: TokenFaultErrcode;
  remaining: number;
}

/** The per-app faults of one sandbox. */
export class AppFaults {
  private readonly tokenFaults = new Map<string, TokenFault>();
  private readonly unbound = new Set<string>();

  constructor(private readonly appids: readonly string[]) {}

  private checkApp(appid: string): void {
    if (!this.appids.includes(appid)) {
      throw new SandboxError('UNKNOWN_ACCOUNT', `no app ${appid} in the sandbox`);
    }
  }

  /** Token fetches of `appid` answer `errcode` for the next `times` calls (default: until cleared). */
  injectTokenFault(appid: string, errcode: number, times = Infinity): void {
    this.checkApp(appid);
    if (!(TOKEN_FAULT_ERRCODES as readonly number[]).includes(errcode)) {
      throw new SandboxError(
        'INVALID_OPTION',
        `token fault errcode must be one of ${TOKEN_FAULT_ERRCODES.join(', ')}`,
      );
    }
    if (times !== Infinity && (!Number.isInteger(times) || times < 1)) {
      throw new SandboxError('INVALID_OPTION', 'times must be a positive integer');
    }
    this.tokenFaults.set(appid, { errcode: errcode as TokenFaultErrcode, remaining: times });
  }

  /** The errcode a token fetch of `appid` must answer now, if any (counts it down). */
  takeTokenFault(appid: string): { errcode: number; errmsg: string } | null {
    const fault = this.tokenFaults.get(appid);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.tokenFaults.delete(appid);
    return { errcode: fault.errcode, errmsg: errmsgFor(fault.errcode) };
  }

  /** Binds (default) or unbinds `appid` from the Open Platform. */
  setOpenPlatformBound(appid: string, bound: boolean): void {
    this.checkApp(appid);
    if (bound) this.unbound.delete(appid);
    else this.unbound.add(appid);
  }

  /** Whether `appid`'s APIs may return unionids. */
  isBound(appid: string): boolean {
    return !this.unbound.has(appid);
  }

  /** Clears every per-app fault and binds every app again. */
  clear(): void {
    this.tokenFaults.clear();
    this.unbound.clear();
  }

  /** What is injected now, for the control API. */
  list(): { tokenFaults: Array<{ appid: string; errcode: number }>; unbound: string[] } {
    return {
      tokenFaults: [...this.tokenFaults].map(([appid, f]) => ({ appid, errcode: f.errcode })),
      unbound: [...this.unbound],
    };
  }
}
