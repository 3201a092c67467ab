/**
 * Bounded waits: idle and slow sockets are closed by the server's header
 * timeout, and a hung database (SIGSTOP'd) gets API clients a 503 within the
 * answer deadline instead of a request hanging as long as the database does.
 */
import net from 'node:net';
import { startEmbeddedMongo } from '@wxlink/testkit';
import { startTestServer, type TestServer } from '../support/harness';

const SOCKETS = 50;

/** Opens a socket that sends `prefix` (maybe nothing) and then stays silent; resolves with when it was closed. */
function idleSocket(port: number, prefix: string): Promise<{ closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => {
      if (prefix) socket.write(prefix);
    });
    socket.on('data', () => undefined); // a 408 answer, if any, is read and ignored
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ closedAfterMs: Date.now() - started }));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('socket still open after 10 s'));
    }, 10_000).unref();
  });
}

describe('slow and idle clients', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      env: {
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
      },
    });
  });
  afterAll(() => server.close());

  test(`${SOCKETS} idle and slowloris sockets are all closed by the header timeout`, async () => {
    const port = Number(new URL(server.url).port);
    const started = Date.now();
    const closed = await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) =>
        // Half never send a byte, half send a request line and one header, then stall.
        idleSocket(port, i % 2 === 0 ? '' : 'GET /healthz HTTP/1.1\r\nHost: x\r\n'),
      ),
    );
    const slowest = Math.max(...closed.map((c) => c.closedAfterMs));
    process.stdout.write(
      `slow-clients: ${SOCKETS} idle sockets closed, slowest after ${slowest} ms (header timeout 1000 ms)\n`,
    );
    expect(slowest).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(4000);
    // The server still answers.
    expect((await server.raw('GET', '/healthz')).status).toBe(200);
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const port = Number(new URL(server.url).port);
    const closed = new Promise<number>((resolve) => {
      let answeredAt = 0;
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
      socket.on('data', () => (answeredAt ||= Date.now()));
      socket.on('close', () => resolve(Date.now() - answeredAt));
    });
    const idleMs = await closed;
    expect(idleMs).toBeGreaterThanOrEqual(400);
    expect(idleMs).toBeLessThan(3000);
  });
});

/**
 * A database process of its own (the pause must not stall other suites),
 * so skipped against an external MONGODB_URI.
 */
(process.env.MONGODB_URI ? test.skip : test)(
  'a hung database: GET /api/v1/me answers 503 SERVICE_UNAVAILABLE within the deadline',
  async () => {
    const mongo = await startEmbeddedMongo();
    const pid = mongo.pid!;
    const server = await startTestServer({
      env: { MONGODB_URI: mongo.uri, API_REQUEST_DEADLINE_MS: '3000' },
    });
    try {
      const { token } = await server.login();
      expect((await server.api('GET', '/api/v1/me', undefined, token)).status).toBe(200);
      process.kill(pid, 'SIGSTOP');
      let res;
      const started = Date.now();
      try {
        res = await server.api('GET', '/api/v1/me', undefined, token);
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const waited = Date.now() - started;
      process.stdout.write(
        `slow-clients: GET /api/v1/me with the database frozen answered ${res.status} after ${waited} ms\n`,
      );
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(waited).toBeGreaterThanOrEqual(2900);
      expect(waited).toBeLessThan(5000);
      // Once the database is back, the same request succeeds.
      expect((await server.api('GET', '/api/v1/me', undefined, token)).status).toBe(200);
    } finally {
      await server.close();
      await mongo.stop();
    }
  },
  30_000,
);
