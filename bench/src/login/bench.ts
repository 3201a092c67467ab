/**
 * Login: POST /api/v1/sessions with single-use codes minted by the sandbox,
 * ours versus the floor (a bare route doing code2Session and one upsert).
 */
import type { RunSize } from '../lib/cli';
import { measureTarget } from '../lib/http-target';
import { requestsNeeded, type LoadRequest } from '../lib/load';
import { databaseLabel, freshDbName, withMongo } from '../lib/mongo';
import type { BenchTable, RowRole } from '../lib/report';
import { measureInRounds, roundsOf, roundsText } from '../lib/rounds';
import { withSandbox, type SandboxProcess } from '../lib/sandbox';
import type { TargetKind } from '../targets/child';
import { LOGIN_PATH } from '../targets/common';

export interface LoginOptions {
  size: RunSize;
}

/**
 * Logins per row [measured, warm-up, users]. The warm-up logs every user of
 * the pool in once (codes go round-robin over the pool), so every measured
 * login is a returning user's. A real MongoDB takes larger runs.
 */
function amounts(size: RunSize, external: boolean): [number, number, number] {
  if (size === 'smoke') return [6, 0, 2]; // no warm-up: 2 first logins, 4 returning
  if (external) return size === 'quick' ? [1000, 300, 100] : [3000, 300, 100];
  return size === 'quick' ? [200, 100, 100] : [300, 100, 100];
}

interface LoginTarget {
  kind: TargetKind;
  role: RowRole;
  name: string;
  note?: string;
}

const TARGETS: readonly LoginTarget[] = [
  {
    kind: 'ours',
    role: 'ours',
    name: 'ours: POST /api/v1/sessions',
    note: 'code2Session, per-IP rate-limit counter and failed-login budget in MongoDB, user upsert (unique openid) recording the session_key, hashed session token, login audit, subscription view; the session and audit inserts of logins that arrive together share one command each (server/src/platform/insert-batcher.ts); follower list imported once before the run',
  },
  {
    kind: 'login-floor',
    role: 'floor',
    name: 'floor: bare route, code2Session + one upsert',
  },
];

async function loginRequests(
  sandbox: SandboxProcess,
  count: number,
  users: number,
): Promise<LoadRequest[]> {
  const codes = await sandbox.child.call<string[]>('mintCodes', { codes: count, users });
  return codes.map((code) => ({
    method: 'POST',
    path: LOGIN_PATH,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  }));
}

export function runLoginBench(
  options: LoginOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const connections = options.size === 'smoke' ? 2 : 10;
  return withMongo((mongo) =>
    withSandbox(async (sandbox) => {
      const [amount, warmupAmount, users] = amounts(options.size, mongo.external);
      const problems: string[] = [];
      const rounds = roundsOf(options.size);
      const rows = await measureInRounds(TARGETS, rounds, async (target, round) => {
        log(`login: ${target.kind}, round ${round + 1} of ${rounds}`);
        const run = await measureTarget(
          {
            kind: target.kind,
            uri: mongo.uri,
            dbName: freshDbName(`login_${target.kind}`),
            sandbox: {
              url: sandbox.info.url,
              appid: sandbox.info.miniProgram.appid,
              secret: sandbox.info.miniProgram.secret,
            },
          },
          {
            warmup: await loginRequests(sandbox, requestsNeeded(warmupAmount, connections), users),
            warmupAmount,
            measured: await loginRequests(sandbox, requestsNeeded(amount, connections), users),
            amount,
            connections,
            noIdleWindow: options.size === 'smoke',
          },
        );
        if ((run.measurement.errors ?? 0) > 0) {
          problems.push(`${target.name}: non-2xx answers ${JSON.stringify(run.statuses)}`);
        }
        // One user per openid: the pool's users, each stored exactly once.
        if (run.stored !== users)
          problems.push(`${target.name}: ${run.stored} users stored for a pool of ${users}`);
        return run.measurement;
      });
      return [
        {
          title: 'Login: POST /api/v1/sessions against the sandbox',
          description:
            `One op = one returning user's login with a fresh single-use code (minted through the sandbox library ` +
            `for a pool of ${users} users, all logged in once by the warm-up). autocannon, ${connections} ` +
            `connections, ${amount} logins after ${warmupAmount} warm-up logins, ${roundsText(rounds)}. Server in its own child process, the sandbox in another ` +
            `(its CPU is not counted); CPU/op net of idle CPU. Database: ${databaseLabel(mongo)}, fresh per row, ` +
            `small working set (its write cost grows with collection size).`,
          rows,
          notes: [],
          problems,
        },
      ];
    }),
  );
}
