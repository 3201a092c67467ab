/**
 * The slices of untyped peer packages the benchmarks use. Kept minimal and
 * matching their source (node_modules/wechat/lib/wechat.js, autocannon 9 README).
 */
declare module 'wechat' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface WechatConfig {
    token: string;
    appid: string;
    encodingAESKey: string;
    checkSignature?: boolean;
  }
  /** The parsed push: every top-level XML field as a string. */
  type WechatMessage = Record<string, string | undefined>;
  interface WechatRequest extends IncomingMessage {
    query: Record<string, string | undefined>;
    /** The parsed (and, in safe mode, decrypted) push. */
    weixin: WechatMessage;
  }
  interface WechatResponse extends ServerResponse {
    reply(content: string): void;
  }
  type Next = (err?: unknown) => void;
  /** A plain function handler is called the "old API" way: (req, res, next). */
  type Handler = (req: WechatRequest, res: WechatResponse, next: Next) => void;
  type Middleware = (req: unknown, res: unknown, next: Next) => void;

  function wechat(config: string | WechatConfig, handler: Handler): Middleware;
  export = wechat;
}

declare module 'autocannon' {
  interface RawRequest {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }
  interface RequestSpec extends RawRequest {
    setupRequest?: (req: RawRequest, context: Record<string, unknown>) => RawRequest | undefined;
    onResponse?: (status: number, body: string, context: Record<string, unknown>) => void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: RequestSpec[];
  }
  interface Histogram {
    average: number;
    mean: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    total: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  /** The run: an EventEmitter ('response' per answer) that is also awaitable for the result. */
  interface Instance extends PromiseLike<Result> {
    on(event: 'response', listener: () => void): this;
  }
  function autocannon(options: Options): Instance;
  export = autocannon;
}
