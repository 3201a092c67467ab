/** lib/db-commands.ts: which ports a URI names, and counting writes to them only. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { countDatabaseCommands, databasePorts, tooFewCommands } from '../lib/db-commands';
import { renderTable, type ResultRow } from '../lib/report';
import { medianMeasurement } from '../lib/rounds';

void describe('databasePorts', () => {
  void it('reads every host of the seed list, 27017 where none is named', () => {
    assert.deepEqual(databasePorts('mongodb://127.0.0.1:40123/?replicaSet=rs0'), [40123]);
    assert.deepEqual(
      databasePorts('mongodb://u:p%40ss@db1:27018,db2,[::1]:27019/app'),
      [27018, 27017, 27019],
    );
    assert.deepEqual(databasePorts('mongodb://[::1]/app'), [27017]);
  });

  void it('counts nothing over SRV, over TLS or for something else', () => {
    assert.equal(databasePorts('mongodb+srv://cluster0.example.net/app'), null);
    assert.equal(databasePorts('mongodb://db1:27017/app?replicaSet=rs0&tls=true'), null);
    assert.equal(databasePorts('http://127.0.0.1:8080'), null);
  });
});

/** A TCP server on 127.0.0.1, port 0, that swallows what it is sent. */
async function sink(): Promise<net.Server> {
  const server = net.createServer((socket) => socket.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (server: net.Server): number => (server.address() as net.AddressInfo).port;

async function connectTo(server: net.Server): Promise<net.Socket> {
  const socket = net.connect(portOf(server), '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

void describe('countDatabaseCommands', () => {
  void it('counts the writes to the database ports, not to other ports', async () => {
    const db = await sink();
    const other = await sink();
    const counter = countDatabaseCommands([portOf(db)]);
    const [toDb, toOther] = [await connectTo(db), await connectTo(other)];
    try {
      for (const n of [1, 2, 3]) toDb.write(`command ${n}`);
      toOther.write('not a command');
      toOther.write('nor this');
      assert.equal(counter.read(), 3);
    } finally {
      counter.stop();
      for (const socket of [toDb, toOther]) socket.destroy();
      db.close();
      other.close();
    }
  });

  void it('sees only connections opened while it counts', async () => {
    const db = await sink();
    const before = await connectTo(db);
    const counter = countDatabaseCommands([portOf(db)]);
    counter.stop();
    const after = await connectTo(db);
    try {
      before.write('opened before');
      after.write('opened after stop');
      assert.equal(counter.read(), 0);
    } finally {
      before.destroy();
      after.destroy();
      db.close();
    }
  });
});

void describe('commands in the tables', () => {
  const measured = (name: string, dbCommandsPerOp?: number): ResultRow => ({
    name,
    role: name === 'ours' ? 'ours' : 'floor',
    status: 'ok',
    measurement: {
      ops: 10,
      opsPerSec: 100,
      cpuPerOpUs: 1000,
      peakRssBytes: 1,
      ...(dbCommandsPerOp !== undefined ? { dbCommandsPerOp } : {}),
    },
  });

  void it('a table with counted rows says each row’s commands per operation', () => {
    const text = renderTable({
      title: 't',
      description: 'd',
      rows: [measured('ours', 2.504), measured('floor', 1)],
      notes: [],
    });
    assert.match(text, /^- database commands per operation.*: ours 2\.50; floor 1\.00$/m);
  });

  void it('a table without counts says nothing about commands', () => {
    const text = renderTable({ title: 't', description: 'd', rows: [measured('ours')], notes: [] });
    assert.doesNotMatch(text, /database commands/);
  });

  void it('rounds give the median count', () => {
    const rounds = [3, 1, 2].map((c) => measured('ours', c).measurement!);
    assert.equal(medianMeasurement(rounds).dbCommandsPerOp, 2);
    assert.equal(medianMeasurement([measured('ours').measurement!]).dbCommandsPerOp, undefined);
  });
});

void describe('tooFewCommands', () => {
  void it('names a row that counted fewer commands than its code sends', () => {
    assert.match(
      tooFewCommands('floor', { dbCommandsPerOp: 0 }, 1) ?? '',
      /^floor: 0\.00 database commands per operation counted, but it sends at least 1$/,
    );
    assert.equal(tooFewCommands('floor', { dbCommandsPerOp: 1.02 }, 1), null);
    assert.equal(tooFewCommands('floor', {}, 1), null);
  });
});
