/** http/request-log.ts: one line per request, only when its level is on, with the request id. */
import type { AddressInfo } from 'node:net';
import { createServer, request, type Server } from 'node:http';
import { Writable } from 'node:stream';
import express from 'express';
import type { Logger } from 'pino';
import { requestLog } from '../../src/http/request-log';
import { createLogger } from '../../src/platform/logger';

class Capture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) {
      this.lines.push(JSON.parse(l) as Record<string, unknown>);
    }
    done();
  }
}

let server: Server;
let capture: Capture;
let logger: Logger;

beforeEach(async () => {
  capture = new Capture();
  logger = createLogger({ logLevel: 'info' }, capture);
  const app = express();
  app.use(requestLog(logger));
  app.get('/ok', (_req, res) => {
    logger.info('inside the handler');
    res.send('ok');
  });
  app.get('/missing', (_req, res) => {
    res.status(404).send('no');
  });
  app.get('/hang', () => undefined);
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const url = (path: string): string =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;

/** Lets the 'close' listeners of the answered request run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('a 2xx writes no line at info; a line inside the handler carries the request id', async () => {
  const res = await fetch(url('/ok'), { headers: { 'x-request-id': 'proxy-id-12345' } });
  expect(res.headers.get('x-request-id')).toBe('proxy-id-12345');
  await settle();
  expect(capture.lines.map((l) => [l.msg, l.requestId])).toEqual([
    ['inside the handler', 'proxy-id-12345'],
  ]);
});

test('a 4xx writes one info line with the path and never the query', async () => {
  const res = await fetch(url('/missing?code=secret-code'));
  expect(res.status).toBe(404);
  const id = res.headers.get('x-request-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await settle();
  expect(capture.lines).toHaveLength(1);
  expect(capture.lines[0]).toMatchObject({
    level: 30,
    msg: 'request completed',
    req: { id, method: 'GET', path: '/missing' },
    res: { statusCode: 404 },
    responseTime: expect.any(Number),
  });
  expect(JSON.stringify(capture.lines)).not.toContain('secret-code');
});

test('at debug the 2xx line is written too', async () => {
  logger.level = 'debug';
  await fetch(url('/ok'));
  await settle();
  expect(capture.lines.map((l) => [l.level, l.msg])).toEqual([
    [30, 'inside the handler'],
    [20, 'request completed'],
  ]);
});

test('a request the client abandons is logged as aborted', async () => {
  await new Promise<void>((resolve) => {
    const req = request(url('/hang'));
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => req.destroy(), 50);
  });
  await settle();
  expect(capture.lines.map((l) => [l.msg, (l.req as { path?: string } | undefined)?.path])).toEqual(
    [['request aborted', '/hang']],
  );
});
