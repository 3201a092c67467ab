/**
 * HTTP load with autocannon: a fixed list of distinct requests (pushes must
 * be unique, login codes are single-use), sent over `connections` keep-alive
 * connections, each request exactly once.
 */
import autocannon from 'autocannon';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  /** Requests answered 2xx. */
  ok: number;
  /** Non-2xx answers plus connection errors and timeouts. */
  errors: number;
  /** Count per status code, for the notes when something was not 2xx. */
  statuses: Record<string, number>;
  wallMs: number;
  p50Us: number;
  p99Us: number;
}

/**
 * Autocannon builds one request per connection when it sets up, then one per
 * send; `requests` must hold `amount + connections` entries (plus a little
 * slack) for every sent request to be distinct.
 */
export function requestsNeeded(amount: number, connections: number): number {
  return amount + connections * 2 + 16;
}

export async function runLoad(
  baseUrl: string,
  requests: readonly LoadRequest[],
  options: { amount: number; connections: number },
): Promise<LoadResult> {
  if (requests.length < requestsNeeded(options.amount, options.connections)) {
    throw new Error(`runLoad: ${requests.length} requests is too few for amount ${options.amount}`);
  }
  let next = 0;
  const t0 = process.hrtime.bigint();
  let lastAnswer = t0;
  const instance = autocannon({
    url: baseUrl,
    connections: options.connections,
    amount: options.amount,
    timeout: 10,
    requests: [
      {
        setupRequest: (req) => {
          const r = requests[next % requests.length];
          next += 1;
          return r
            ? { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body }
            : undefined;
        },
      },
    ],
  });
  instance.on('response', () => {
    lastAnswer = process.hrtime.bigint();
  });
  const result = await instance;
  // autocannon notices the end of an `amount` run on its 1 s tick: time to the last answer instead.
  const wallMs = Number(lastAnswer - t0) / 1e6;
  const statuses: Record<string, number> = {};
  let ok = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statuses[status] = count;
    if (status.startsWith('2')) ok += count;
  }
  return {
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
    statuses,
    wallMs,
    // autocannon reports latency in milliseconds.
    p50Us: result.latency.p50 * 1000,
    p99Us: result.latency.p99 * 1000,
  };
}
