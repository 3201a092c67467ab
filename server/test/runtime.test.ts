/**
 * Runtime behaviour found by the load suites: transient database faults are
 * 503 (retry), not 500 (bug); shutdown does not wait on keep-alive sockets
 * that go idle after close() started.
 */
import mongoose from 'mongoose';
import { mapError } from '../src/http/errors';
import { startTestServer } from './support/harness';

describe('mapError: transient database faults', () => {
  const { mongo } = mongoose;

  it.each([
    ['network error (incl. a cleared pool)', new mongo.MongoNetworkError('socket closed')],
    ['no server selectable', new mongoose.Error.MongooseServerSelectionError('timed out')],
    ['client not connected', new mongo.MongoNotConnectedError('not connected')],
  ])('%s → 503 SERVICE_UNAVAILABLE', (_name, err) => {
    expect(mapError(err)).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'Database temporarily unavailable; retry',
    });
  });

  it('a server error labelled retryable → 503', () => {
    const err = new mongo.MongoServerError({ message: 'not primary', code: 10107 });
    err.addErrorLabel('RetryableWriteError');
    expect(mapError(err).code).toBe('SERVICE_UNAVAILABLE');
  });

  it('other database errors stay 500 INTERNAL', () => {
    expect(mapError(new mongo.MongoServerError({ message: 'bad', code: 2 })).code).toBe('INTERNAL');
    expect(mapError(new Error('boom')).code).toBe('INTERNAL');
  });
});

describe('graceful shutdown', () => {
  it('finishes an in-flight request, then closes without waiting out its keep-alive socket', async () => {
    // A long grace period, so a socket left open after the answer (the bug this
    // catches) holds close() for seconds, far from the ~1 s a correct close takes.
    const t = await startTestServer({ shutdownGraceMs: 10_000 });
    try {
      const user = t.sandbox.createUser();
      const code = t.sandbox.mintLoginCode(user);
      // The login spends ~600 ms inside WeChat, so it is in flight when close() starts.
      t.sandbox.injectFault('sns/jscode2session', { delayMs: 600, times: 1 });
      const login = fetch(`${t.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' }, // keep-alive by default
        body: JSON.stringify({ code }),
      });
      await new Promise((r) => setTimeout(r, 150));
      const started = Date.now();
      const closing = t.running.close();
      const res = await login;
      expect(res.status).toBe(201);
      await closing;
      // A socket left open after the answer would hold close() until the
      // keep-alive timeout or the grace period ends, whichever is first.
      expect(Date.now() - started).toBeLessThan(
        Math.min(t.config.httpTimeouts.keepAliveMs, 10_000) - 1000,
      );
    } finally {
      await t.close();
    }
  });
});
