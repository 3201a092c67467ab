/**
 * The kept-work floor for login: the bare route of floors.ts plus, bare and
 * one command each, the work issue 13 has ours keep: the shared per-address
 * counter, the session_key recorded beside the previous one, a stored
 * session, the login audit and the follower read of the subscription view.
 * No helmet, metrics, validation library, request context, grouping or
 * retries. The login floor shows what a login cannot do without; this one
 * shows what the kept work costs when done plainly, so the two ratios
 * together say how much of ours's gap is that work and how much is our
 * stack.
 */
import { createHash, randomBytes } from 'node:crypto';
import express, { type Express, type Request } from 'express';
import type { Connection } from 'mongoose';
import { FLOOR_USERS, LOGIN_PATH } from './common';
import { isDuplicateKey } from './db';
import { code2SessionBare, loginCodeOf } from './floors';

const COUNTERS = 'bench_kept_counters';
const SESSIONS = 'bench_kept_sessions';
const AUDITS = 'bench_kept_audits';
const FOLLOWERS = 'bench_kept_followers';

/** The per-address attempts allowed a minute (ours runs with the same figure in the benchmarks). */
const ATTEMPTS_PER_MINUTE = 100_000;
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

interface KeptFloorUser {
  _id: unknown;
  loginCount: number;
  unionid?: string;
}

export interface KeptFloor {
  app: Express;
  /** Deletes what the logins stored per login (sessions, audit entries, counters). */
  emptyGrowth(): Promise<Record<string, number>>;
}

/** The indexes ours has for the same collections: unique keys, the reads' and the TTLs. */
async function createIndexes(conn: Connection): Promise<void> {
  await Promise.all([
    conn.collection(FLOOR_USERS).createIndex({ openid: 1 }, { unique: true }),
    conn.collection(COUNTERS).createIndex({ key: 1 }, { unique: true }),
    conn.collection(COUNTERS).createIndex({ resetAt: 1 }, { expireAfterSeconds: 60 }),
    conn.collection(SESSIONS).createIndex({ tokenHash: 1 }, { unique: true }),
    conn.collection(SESSIONS).createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 }),
    conn.collection(AUDITS).createIndex({ userId: 1, at: -1 }),
    conn.collection(AUDITS).createIndex({ at: 1 }, { expireAfterSeconds: 180 * 24 * 3600 }),
    conn.collection(FOLLOWERS).createIndex({ appid: 1, unionid: 1 }),
  ]);
}

/** What a login needs: the database, the sandbox, and the account whose followers the view reads. */
interface KeptFloorContext {
  conn: Connection;
  sandbox: { url: string; appid: string; secret: string };
  officialAccountAppid: string;
}

/** The kept-work floor (module comment). `trustProxy`: X-Forwarded-For from loopback names the client. */
export async function loginKeptFloorApp(
  conn: Connection,
  sandbox: KeptFloorContext['sandbox'],
  options: { trustProxy: boolean; officialAccountAppid: string },
): Promise<KeptFloor> {
  await createIndexes(conn);
  const context: KeptFloorContext = {
    conn,
    sandbox,
    officialAccountAppid: options.officialAccountAppid,
  };
  const app = express();
  if (options.trustProxy) app.set('trust proxy', 'loopback');
  app.post(LOGIN_PATH, express.json({ limit: '1kb' }), async (req, res) => {
    const code = loginCodeOf(req, res);
    if (code === null) return;
    try {
      const answer = await login(context, code, req);
      res.status(answer.status).json(answer.body);
    } catch (err) {
      res
        .status(isDuplicateKey(err) ? 409 : 502)
        .json({ error: { code: 'INTERNAL', message: 'x' } });
    }
  });
  return { app, emptyGrowth: () => emptyGrowth(conn) };
}

/** One login, command by command; the status and body to answer. */
async function login(
  context: KeptFloorContext,
  code: string,
  req: Request,
): Promise<{ status: number; body: unknown }> {
  const { conn } = context;
  const now = new Date();
  const ip = req.ip ?? null;
  if ((await countAttempt(conn, ip, now)) > ATTEMPTS_PER_MINUTE) {
    return { status: 429, body: { error: { code: 'RATE_LIMITED', message: 'x' } } };
  }
  const answer = await code2SessionBare(context.sandbox, code);
  if (!answer.openid || !answer.session_key) {
    await conn.collection(AUDITS).insertOne({ at: now, userId: null, outcome: 'invalid' });
    return {
      status: 401,
      body: { error: { code: 'WECHAT_CODE_INVALID', message: String(answer.errcode) } },
    };
  }
  const user = await upsertUser(
    conn,
    { openid: answer.openid, sessionKey: answer.session_key, unionid: answer.unionid },
    now,
  );
  // 3–5. The session, the audit entry and the follower read, side by side.
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  const [, , follower] = await Promise.all([
    conn.collection(SESSIONS).insertOne({
      tokenHash: createHash('sha256').update(token).digest('hex'),
      userId: user._id,
      createdAt: now,
      expiresAt,
      revokedAt: null,
      ip,
    }),
    conn.collection(AUDITS).insertOne({
      at: now,
      userId: user._id,
      outcome: 'ok',
      ip,
      userAgent: req.get('user-agent')?.slice(0, 256) ?? null,
      firstLogin: user.loginCount === 1,
    }),
    user.unionid === undefined
      ? null
      : conn
          .collection(FOLLOWERS)
          .findOne({ appid: context.officialAccountAppid, unionid: user.unionid }),
  ]);
  const view = { id: String(user._id), loginCount: user.loginCount, subscribed: follower !== null };
  return { status: 201, body: { token, expiresAt: expiresAt.toISOString(), user: view } };
}

/**
 * 1. The shared per-address counter, a window from the address's first hit
 * as ours has (a lapsed window still stored would fail the upsert with
 * E11000, which ours then restarts; no run here lasts a minute). The hits
 * after this one.
 */
async function countAttempt(conn: Connection, ip: string | null, now: Date): Promise<number> {
  const counter = await conn
    .collection(COUNTERS)
    .findOneAndUpdate(
      { key: `login:${ip ?? 'unknown'}`, resetAt: { $gt: now } },
      { $inc: { hits: 1 }, $setOnInsert: { resetAt: new Date(now.getTime() + 60_000) } },
      { upsert: true, returnDocument: 'after' },
    );
  return (counter?.hits as number | undefined) ?? 0;
}

/**
 * 2. The user upsert, recording the session_key under its hash, so the
 * previous one stays (never pruned: bench/README.md, the login table).
 */
async function upsertUser(
  conn: Connection,
  identity: { openid: string; sessionKey: string; unionid: string | undefined },
  now: Date,
): Promise<KeptFloorUser> {
  const { sessionKey, unionid } = identity;
  const keyId = createHash('sha256').update(sessionKey).digest('hex').slice(0, 16);
  const user = await conn.collection<KeptFloorUser>(FLOOR_USERS).findOneAndUpdate(
    { openid: identity.openid },
    {
      $set: {
        lastLoginAt: now,
        [`sessionKeys.${keyId}`]: { key: sessionKey, at: now },
        ...(unionid ? { unionid } : {}),
      },
      $setOnInsert: { createdAt: now },
      $inc: { loginCount: 1 },
    },
    { upsert: true, returnDocument: 'after' },
  );
  if (!user) throw new Error('upsert returned no user');
  return user;
}

async function emptyGrowth(conn: Connection): Promise<Record<string, number>> {
  const [sessions, loginAudits, rateLimitCounters] = await Promise.all(
    [SESSIONS, AUDITS, COUNTERS].map((name) => conn.collection(name).deleteMany({})),
  );
  return {
    sessions: sessions?.deletedCount ?? 0,
    loginAudits: loginAudits?.deletedCount ?? 0,
    rateLimitCounters: rateLimitCounters?.deletedCount ?? 0,
  };
}
