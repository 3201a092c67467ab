/** The floors: bare Express routes doing only the unavoidable work. */
import { createHash, randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import type { Connection } from 'mongoose';
import { request } from 'undici';
import { FLOOR_USERS, LOGIN_PATH, PUSH_PATH } from './common';
import { insertEvent, isDuplicateKey } from './db';

/** Floor for intake: read the body, one insert, answer. No signature, no decryption, no parsing. */
export function intakeFloorApp(conn: Connection): Express {
  const app = express();
  app.post(PUSH_PATH, express.text({ type: () => true, limit: '64kb' }), async (req, res) => {
    const nonce = typeof req.query.nonce === 'string' ? req.query.nonce : '';
    try {
      await insertEvent(conn, {
        dedupKey: `nonce:${nonce}`,
        openid: typeof req.query.openid === 'string' ? req.query.openid : '',
        createTime: Number(req.query.timestamp),
        event: 'unknown',
        payload: { body: typeof req.body === 'string' ? req.body : '' },
        receivedAt: new Date(),
      });
      res.send('success');
    } catch {
      res.status(500).end();
    }
  });
  return app;
}

interface Code2SessionAnswer {
  openid?: string;
  session_key?: string;
  unionid?: string;
  errcode?: number;
}

/**
 * code2Session against the sandbox, as plainly as it can be asked: undici's
 * `request`, the client ours uses (server/src/wechat/http-client.ts). Not the
 * global fetch: on Node 20 it cost the floor 0.7–1.2 ms of its 2.4–2.8 ms per
 * login, and a floor that pays more than ours for the same call is no floor
 * (bench/README.md, step 9).
 */
export async function code2SessionBare(
  sandbox: { url: string; appid: string; secret: string },
  code: string,
): Promise<Code2SessionAnswer> {
  const query = new URLSearchParams({
    appid: sandbox.appid,
    secret: sandbox.secret,
    js_code: code,
    grant_type: 'authorization_code',
  });
  const answer = await request(`${sandbox.url}/sns/jscode2session?${query.toString()}`);
  return (await answer.body.json()) as Code2SessionAnswer;
}

/** The body's login code, or null once a 400 is answered (the floors' whole validation). */
export function loginCodeOf(req: Request, res: Response): string | null {
  const code = (req.body as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code.length > 0 && code.length <= 128) return code;
  res.status(400).json({ error: { code: 'VALIDATION_FAILED', message: 'code' } });
  return null;
}

/** Floor for login: code2Session against the sandbox, one upsert, a random token. */
export async function loginFloorApp(
  conn: Connection,
  sandbox: { url: string; appid: string; secret: string },
): Promise<Express> {
  const users = conn.collection(FLOOR_USERS);
  await users.createIndex({ openid: 1 }, { unique: true });
  const app = express();
  app.post(LOGIN_PATH, express.json({ limit: '1kb' }), async (req, res) => {
    const code = loginCodeOf(req, res);
    if (code === null) return;
    try {
      const answer = await code2SessionBare(sandbox, code);
      if (!answer.openid || !answer.session_key) {
        res
          .status(401)
          .json({ error: { code: 'WECHAT_CODE_INVALID', message: String(answer.errcode) } });
        return;
      }
      const token = randomBytes(32).toString('base64url');
      const now = new Date();
      await users.updateOne(
        { openid: answer.openid },
        {
          $set: {
            sessionKey: answer.session_key,
            tokenHash: createHash('sha256').update(token).digest('hex'),
            lastLoginAt: now,
          },
          $setOnInsert: { createdAt: now },
          $inc: { loginCount: 1 },
        },
        { upsert: true },
      );
      res.status(201).json({ token });
    } catch (err) {
      // Two first logins of one openid racing on the upsert: the loser retries as the client would.
      res
        .status(isDuplicateKey(err) ? 409 : 502)
        .json({ error: { code: 'INTERNAL', message: 'x' } });
    }
  });
  return app;
}
