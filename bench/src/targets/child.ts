/**
 * Child process hosting one server under test. The parent drives it over
 * IPC: `start` → URL, `measure-start`/`measure-stop` around the load (CPU and
 * peak RSS of this process only), `count` → documents it stored,
 * `db-commands` → commands it has sent to the database (null: not countable,
 * over `mongodb+srv://` or TLS: lib/db-commands.ts), `empty-warm-up-growth`
 * → documents removed per collection (ours and the kept-work login floor:
 * what their logins store, which only the login benchmark asks for;
 * null: the other floors and the peers, which store nothing per login),
 * `shutdown`.
 */
import type { AppDeps } from '@wxlink/server';
import type { Express } from 'express';
import type { Connection } from 'mongoose';
import { countDatabaseCommands, databasePorts, type DbCommandCounter } from '../lib/db-commands';
import { serveRpc } from '../lib/rpc';
import { connectDb, EVENTS_COLLECTION, prepareEventsCollection } from './db';
import { OA_APPID } from '../fixtures/wechat';
import { FLOOR_USERS, listen } from './common';

export type TargetKind =
  'ours' | 'webot' | 'easywechat' | 'intake-floor' | 'login-floor' | 'login-kept-floor';

export interface StartTarget {
  kind: TargetKind;
  uri: string;
  dbName: string;
  sandbox?: { url: string; appid: string; secret: string };
  /** Ours only: the account's encryption mode (default compat, which takes both kinds of push). */
  encryptMode?: 'plain' | 'safe' | 'compat';
  /** Ours and the kept-work login floor: trust X-Forwarded-For from loopback (TRUST_PROXY=loopback), so a request names its client. */
  trustProxy?: boolean;
}

let close: (() => Promise<void>) | undefined;
let count: (() => Promise<number>) | undefined;
let commands: DbCommandCounter | undefined;
let emptyGrowth: (() => Promise<Record<string, number>>) | undefined;

// Modules are loaded for the target being started only, so no process pays
// (in RSS or start-up) for another implementation's libraries.
async function start(t: StartTarget): Promise<{ url: string }> {
  // Before the target connects: only connections opened afterwards are counted.
  const ports = databasePorts(t.uri);
  if (ports !== null) commands = countDatabaseCommands(ports);
  if (t.kind === 'ours') {
    const { startOurs } = await import('./ours.js');
    const ours = await startOurs({
      uri: t.uri,
      dbName: t.dbName,
      ...(t.encryptMode ? { encryptMode: t.encryptMode } : {}),
      ...(t.trustProxy ? { trustProxy: true } : {}),
      ...(t.sandbox ? { wechatApiBase: t.sandbox.url, miniProgramSecret: t.sandbox.secret } : {}),
    });
    close = () => ours.close();
    emptyGrowth = () => emptyLoginGrowth(ours.deps.models);
    const { Inbox, User } = ours.deps.models;
    count = () => (t.sandbox ? User.countDocuments().exec() : Inbox.countDocuments().exec());
    return { url: ours.url };
  }
  const conn: Connection = await connectDb(t.uri, t.dbName);
  let app: Express;
  if (t.kind === 'login-floor') {
    if (!t.sandbox) throw new Error('login-floor needs the sandbox');
    const { loginFloorApp } = await import('./floors.js');
    app = await loginFloorApp(conn, t.sandbox);
    count = () => conn.collection(FLOOR_USERS).countDocuments();
  } else if (t.kind === 'login-kept-floor') {
    if (!t.sandbox) throw new Error('login-kept-floor needs the sandbox');
    const { loginKeptFloorApp } = await import('./login-kept-floor.js');
    const floor = await loginKeptFloorApp(conn, t.sandbox, {
      trustProxy: t.trustProxy === true,
      officialAccountAppid: OA_APPID,
    });
    app = floor.app;
    emptyGrowth = () => floor.emptyGrowth();
    count = () => conn.collection(FLOOR_USERS).countDocuments();
  } else {
    await prepareEventsCollection(conn);
    if (t.kind === 'webot') app = (await import('./webot.js')).webotApp(conn);
    else if (t.kind === 'easywechat') app = (await import('./easywechat.js')).easyWechatApp(conn);
    else app = (await import('./floors.js')).intakeFloorApp(conn);
    count = () => conn.collection(EVENTS_COLLECTION).countDocuments();
  }
  const server = await listen(app);
  close = async () => {
    await server.close();
    await conn.close();
  };
  return { url: server.url };
}

/**
 * What our logins add per login: a session, an audit entry and, from a new
 * address, a rate-limit counter. The login floor only updates its users, and
 * the users stay here too: every measured login is still a returning user's.
 */
async function emptyLoginGrowth(models: AppDeps['models']): Promise<Record<string, number>> {
  const [sessions, loginAudits, rateLimitCounters] = await Promise.all([
    models.Session.deleteMany({}).exec(),
    models.LoginAudit.deleteMany({}).exec(),
    models.RateLimitCounter.deleteMany({}).exec(),
  ]);
  return {
    sessions: sessions.deletedCount,
    loginAudits: loginAudits.deletedCount,
    rateLimitCounters: rateLimitCounters.deletedCount,
  };
}

serveRpc(
  {
    start: (payload) => start(payload as StartTarget),
    count: () => {
      if (!count) throw new Error('not started');
      return count();
    },
    'db-commands': () => commands?.read() ?? null,
    'empty-warm-up-growth': () => emptyGrowth?.() ?? null,
  },
  () => close?.() ?? Promise.resolve(),
);
