import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  RedirectRefusedError,
  undiciExchange,
  type WechatHttpInit,
} from '../../src/wechat/http-client';

/** What the local server saw of each request. */
interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
/** How the next request is answered (default: JSON echo of what was seen). */
let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'],
        body,
      });
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen.length = 0;
  answer = (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"errcode":0,"openid":"o1"}');
  };
});

const init = (over: Partial<WechatHttpInit> = {}): WechatHttpInit => ({
  method: 'GET',
  headers: {},
  body: undefined,
  signal: new AbortController().signal,
  redirect: 'error',
  ...over,
});

describe('undiciExchange', () => {
  it('sends a GET with its query and reads the answer as text', async () => {
    const res = await undiciExchange(new URL(`${base}/sns/jscode2session?js_code=a%2Bb`), init());
    expect(await res.text()).toBe('{"errcode":0,"openid":"o1"}');
    expect(seen).toEqual([
      { method: 'GET', url: '/sns/jscode2session?js_code=a%2Bb', contentType: undefined, body: '' },
    ]);
  });

  it('sends a POST with its headers and JSON body', async () => {
    const body = JSON.stringify({ grant_type: 'client_credential', force_refresh: false });
    const res = await undiciExchange(
      new URL(`${base}/cgi-bin/stable_token`),
      init({ method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    await res.text();
    expect(seen).toEqual([
      { method: 'POST', url: '/cgi-bin/stable_token', contentType: 'application/json', body },
    ]);
  });

  it('hands over an error status with its body (the transport reads errcodes from it)', async () => {
    answer = (_req, res) => {
      res.statusCode = 503;
      res.end('{"errcode":-1,"errmsg":"system error"}');
    };
    const res = await undiciExchange(new URL(`${base}/cgi-bin/user/info`), init());
    expect(await res.text()).toBe('{"errcode":-1,"errmsg":"system error"}');
  });

  it('refuses a redirect without following it', async () => {
    answer = (_req, res) => {
      res.statusCode = 302;
      res.setHeader('location', `${base}/elsewhere`);
      res.end('{"errcode":0}');
    };
    const err: unknown = await undiciExchange(new URL(`${base}/sns/jscode2session`), init()).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RedirectRefusedError);
    expect((err as RedirectRefusedError).status).toBe(302);
    expect(seen.map((s) => s.url)).toEqual(['/sns/jscode2session']);
  });

  it('gives up when its signal aborts, with the signal’s reason', async () => {
    answer = () => {
      // Never answers: the abort must end the call.
    };
    const controller = new AbortController();
    const call = undiciExchange(new URL(`${base}/slow`), init({ signal: controller.signal })).catch(
      (e: unknown) => e,
    );
    setTimeout(() => controller.abort(new DOMException('no answer', 'TimeoutError')), 50);
    const err = (await call) as Error;
    expect(err.name).toBe('TimeoutError');
  });
});
