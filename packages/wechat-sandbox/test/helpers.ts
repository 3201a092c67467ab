import { startSandbox } from '../src';
import type { Sandbox, SandboxOptions } from '../src';

/** A hand-driven clock (ms) so code expiry and token lifetimes are testable. */
export class FakeClock {
  constructor(public ms = Date.UTC(2025, 0, 15, 8, 0, 0)) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

export interface TestSandbox {
  sandbox: Sandbox;
  clock: FakeClock;
  get: (path: string, query?: Record<string, string>) => Promise<Record<string, unknown>>;
  post: (
    path: string,
    body: unknown,
    query?: Record<string, string>,
  ) => Promise<Record<string, unknown>>;
  mpToken: () => Promise<string>;
  oaToken: () => Promise<string>;
  /** GET sns/jscode2session with the mini-program's credentials; `overrides` replace any parameter. */
  login: (jsCode: string, overrides?: Record<string, string>) => Promise<Record<string, unknown>>;
}

export function url(base: string, path: string, query: Record<string, string> = {}): string {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
  return u.toString();
}

export async function startTestSandbox(opts: SandboxOptions = {}): Promise<TestSandbox> {
  const clock = new FakeClock();
  const sandbox = await startSandbox({ now: clock.now, ...opts });
  const get = async (path: string, query: Record<string, string> = {}) => {
    const res = await fetch(url(sandbox.url, path, query));
    return (await res.json()) as Record<string, unknown>;
  };
  const post = async (path: string, body: unknown, query: Record<string, string> = {}) => {
    const res = await fetch(url(sandbox.url, path, query), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const token = async (app: { appid: string; secret: string }) => {
    const r = await post('/cgi-bin/stable_token', { grant_type: 'client_credential', ...app });
    if (typeof r.access_token !== 'string') throw new Error(`no token: ${JSON.stringify(r)}`);
    return r.access_token;
  };
  return {
    sandbox,
    clock,
    get,
    post,
    mpToken: () => token(sandbox.config.miniProgram),
    oaToken: () => token(sandbox.config.officialAccount),
    login: (jsCode, overrides = {}) => {
      const { appid, secret } = sandbox.config.miniProgram;
      return get('/sns/jscode2session', {
        appid,
        secret,
        js_code: jsCode,
        grant_type: 'authorization_code',
        ...overrides,
      });
    },
  };
}
