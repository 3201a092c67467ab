import { Agent, request } from 'undici';

/** The request the WeChat transport sends: fetch's options, narrowed to what it uses. */
export interface WechatHttpInit {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  /**
   * A redirect is refused, never followed: the URL carries the AppSecret, a
   * code or an access token, which must not go to whatever host a
   * misconfigured WECHAT_API_BASE or a proxy in the way redirects to.
   */
  redirect: 'error';
}

/**
 * One HTTP exchange with WeChat: the answer's body as text. The global
 * `fetch` has this shape, so tests can pass it, or a wrapper of it, instead
 * of the default (undiciExchange).
 */
export type WechatHttp = (url: URL, init: WechatHttpInit) => Promise<{ text(): Promise<string> }>;

/**
 * The process's connection pool to WeChat, our own rather than undici's
 * global dispatcher: Node's bundled fetch (an older undici) and this
 * package share that one, installed by whichever loads first, and this
 * module should not depend on which it was.
 */
let sharedAgent: Agent | undefined;

/**
 * The default WechatHttp: undici's `request` on one keep-alive Agent per
 * process, as the global fetch shares its dispatcher. Not the global fetch:
 * on Node 20 it builds WHATWG Request, Headers, Response and stream objects
 * around the same undici client, 0.18–0.24 ms of CPU per call more in a
 * microbenchmark and about 1.2 ms per login in the login benchmark, its
 * garbage and V8's other threads included (bench/README.md, step 9). A
 * redirect is refused, as `fetch` refuses it with `redirect: 'error'`. Idle
 * keep-alive sockets do not keep the process alive (a client whose server
 * holds the connection for a minute exits at once).
 */
export const undiciExchange: WechatHttp = async (url, init) => {
  sharedAgent ??= new Agent();
  const res = await request(url, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    signal: init.signal,
    dispatcher: sharedAgent,
  });
  if (res.statusCode >= 300 && res.statusCode < 400) {
    await res.body.dump();
    throw new RedirectRefusedError(res.statusCode);
  }
  return { text: () => res.body.text() };
};

/** WeChat answered with a redirect, which is never followed (fetch's `redirect: 'error'`). */
export class RedirectRefusedError extends Error {
  override readonly name = 'RedirectRefusedError';
  constructor(readonly status: number) {
    super(`WeChat answered ${status} (a redirect), which is not followed`);
  }
}
