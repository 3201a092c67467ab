import mongoose from 'mongoose';
import { EmbeddedMongoError, startEmbeddedMongo, uniqueDbName, withPolledMonitoring } from '../src';

describe('startEmbeddedMongo', () => {
  it('honours MONGODB_URI without starting anything', async () => {
    const handle = await startEmbeddedMongo({
      env: { MONGODB_URI: 'mongodb://db.example:27017/x' },
    });
    expect(handle).toMatchObject({
      uri: 'mongodb://db.example:27017/x',
      external: true,
      pid: undefined,
    });
    await expect(handle.stop()).resolves.toBeUndefined();
  });

  it('reports a missing binary with a typed error', async () => {
    await expect(
      startEmbeddedMongo({ env: {}, binaryPath: '/nonexistent/jongodb', startTimeoutMs: 2000 }),
    ).rejects.toBeInstanceOf(EmbeddedMongoError);
  });

  it('starts a server mongoose can use, enforces unique indexes, and stops', async () => {
    const handle = await startEmbeddedMongo();
    const conn = await mongoose
      .createConnection(handle.uri, { dbName: uniqueDbName('testkit'), autoCreate: false })
      .asPromise();
    try {
      const Thing = conn.model(
        'Thing',
        new mongoose.Schema({ key: { type: String, unique: true } }),
      );
      await Thing.init();
      await Thing.create({ key: 'a' });
      await expect(Thing.create({ key: 'a' })).rejects.toMatchObject({ code: 11000 });
      expect(await Thing.countDocuments()).toBe(1);
    } finally {
      await conn.close();
      await handle.stop();
    }
    if (!handle.external) {
      // The process is gone: a new connection attempt must fail fast.
      await expect(
        mongoose.createConnection(handle.uri, { serverSelectionTimeoutMS: 500 }).asPromise(),
      ).rejects.toThrow();
    }
  }, 30_000);

  it('gives distinct database names', () => {
    expect(uniqueDbName()).not.toBe(uniqueDbName());
  });
});

describe('withPolledMonitoring', () => {
  it('asks the driver for polled heartbeats, keeping the rest of the URI', () => {
    const uri = withPolledMonitoring('mongodb://127.0.0.1:41234/?replicaSet=rs0');
    const url = new URL(uri);
    expect(url.host).toBe('127.0.0.1:41234');
    expect(url.searchParams.get('replicaSet')).toBe('rs0');
    expect(url.searchParams.get('serverMonitoringMode')).toBe('poll');
  });

  it('leaves an explicit choice alone', () => {
    const uri = withPolledMonitoring('mongodb://127.0.0.1:1/?serverMonitoringMode=stream');
    expect(new URL(uri).searchParams.get('serverMonitoringMode')).toBe('stream');
  });
});
