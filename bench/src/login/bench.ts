/**
 * Login: POST /api/v1/sessions with single-use codes minted by the sandbox,
 * ours versus the floor (a bare route doing code2Session and one upsert).
 */
import { measureTarget } from '../lib/http-target';
import { requestsNeeded, type LoadRequest } from '../lib/load';
import { databaseLabel, freshDbName, withMongo } from '../lib/mongo';
import type { BenchTable, ResultRow, RowRole } from '../lib/report';
import { withSandbox, type SandboxProcess } from '../lib/sandbox';
import type { TargetKind } from '../targets/child';
import { LOGIN_PATH } from '../targets/common';

export interface LoginOptions {
  quick: boolean;
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
    note: 'code2Session, user upsert (unique openid), session_key rotation, hashed session token, login audit, per-IP rate-limit counter in MongoDB',
  },
  {
    kind: 'login-floor',
    role: 'floor',
    name: 'floor: bare route, code2Session + one upsert',
  },
];

/** How many distinct users the codes are spread over: most logins are returning users. */
const USER_POOL = 100;

async function loginRequests(sandbox: SandboxProcess, count: number): Promise<LoadRequest[]> {
  const codes = await sandbox.child.call<string[]>('mintCodes', {
    codes: count,
    users: Math.min(USER_POOL, count),
  });
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
  const connections = 10;
  return withMongo((mongo) =>
    withSandbox(async (sandbox) => {
      const amount = mongo.external ? (options.quick ? 1000 : 3000) : options.quick ? 200 : 300;
      const warmupAmount = mongo.external ? 300 : 50;
      const rows: ResultRow[] = [];
      const notes: string[] = [];
      for (const target of TARGETS) {
        log(`login: ${target.kind}`);
        const row: ResultRow = {
          name: target.name,
          role: target.role,
          status: 'ok',
          note: target.note,
        };
        try {
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
              warmup: await loginRequests(sandbox, requestsNeeded(warmupAmount, connections)),
              warmupAmount,
              measured: await loginRequests(sandbox, requestsNeeded(amount, connections)),
              amount,
              connections,
            },
          );
          row.measurement = run.measurement;
          if ((run.measurement.errors ?? 0) > 0) {
            notes.push(`${target.name}: non-2xx answers ${JSON.stringify(run.statuses)}`);
          }
          if (run.stored > USER_POOL * 2)
            notes.push(`${target.name}: ${run.stored} users stored for a pool of ${USER_POOL}`);
        } catch (error) {
          row.status = 'failed';
          row.note = error instanceof Error ? error.message : String(error);
        }
        rows.push(row);
      }
      return [
        {
          title: 'Login: POST /api/v1/sessions against the sandbox',
          description:
            `One op = one login with a fresh single-use code (minted through the sandbox library; ${USER_POOL} ` +
            `users, so most logins are returning users). autocannon, ${connections} connections, ${amount} logins ` +
            `after ${warmupAmount} warm-up logins. Server in its own child process, the sandbox in another ` +
            `(its CPU is not counted); CPU/op net of idle CPU. Database: ${databaseLabel(mongo)}, fresh per row, ` +
            `small working set (its write cost grows with collection size).`,
          rows,
          notes,
        },
      ];
    }),
  );
}
