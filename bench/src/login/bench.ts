/**
 * Login: POST /api/v1/sessions with single-use codes minted by the sandbox,
 * ours versus two floors: a bare route doing code2Session and one upsert,
 * and the same route also doing, bare, the work ours keeps (counter,
 * session, audit, follower read: targets/login-kept-floor.ts).
 */
import type { RunSize } from '../lib/cli';
import { tooFewCommands } from '../lib/db-commands';
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
 * the pool in (codes go round-robin over the pool), so every measured login
 * is a returning user's. It is long enough for V8 to have compiled the
 * login's hot code: after 100 warm-up logins, the background compilation
 * still running during the measured ones cost each target about 1 ms per
 * login, which flattered the ratio (bench/README.md, step 8); 700 and 1,500
 * read alike. Ours and the kept-work floor then empty what those logins
 * stored (sessions, audit entries, counters): the embedded database's writes
 * slow down as a collection grows, and the login floor stores nothing per
 * login. A real MongoDB takes longer measured runs. Smoke: two first logins
 * as the warm-up, then six returning ones after the emptying.
 */
function amounts(size: RunSize, external: boolean): [number, number, number] {
  if (size === 'smoke') return [6, 2, 2];
  if (external) return size === 'quick' ? [1000, 700, 100] : [3000, 700, 100];
  return size === 'quick' ? [200, 700, 100] : [300, 700, 100];
}

interface LoginTarget {
  kind: TargetKind;
  role: RowRole;
  name: string;
  note?: string;
  /** Stores a session, an audit entry and a counter per address: emptied after the warm-up. */
  storesPerLogin: boolean;
  /** The database commands each of its logins sends at least (checked on the count), when it groups none. */
  leastCommandsPerLogin?: number;
}

const OURS_NOTE =
  'code2Session, per-IP rate-limit counter and failed-login budget in MongoDB, user upsert (unique openid) recording the session_key, hashed session token, login audit, subscription view; the counter hits, follower reads, session and audit inserts of logins that arrive together share commands (server/src/platform/group-commit.ts); follower list imported once before the run';

const KEPT_FLOOR_NOTE =
  "the first floor's route plus what the issue has ours keep, each a plain driver command in the request (5 per login, nothing shared between logins): the per-address counter, the user upsert recording the session_key beside the previous one, the session insert, the audit insert and the follower read; no helmet, metrics, validation library, request context or retries. Ours ÷ this is the cost of our stack for the same work";

const TARGETS: readonly LoginTarget[] = [
  {
    kind: 'ours',
    role: 'ours',
    name: 'ours: POST /api/v1/sessions',
    note: OURS_NOTE,
    storesPerLogin: true,
  },
  {
    kind: 'login-floor',
    role: 'floor',
    name: 'floor: bare route, code2Session + one upsert',
    storesPerLogin: false,
    leastCommandsPerLogin: 1,
  },
  {
    kind: 'login-kept-floor',
    role: 'floor',
    name: 'floor + the kept work, bare: counter, upsert, session, audit, follower read',
    note: KEPT_FLOOR_NOTE,
    storesPerLogin: true,
    leastCommandsPerLogin: 5,
  },
];

/**
 * Where the logins come from. `one`: every login from the load generator's
 * address, as a campus NAT or a flood from one client looks; ours's
 * per-address counter hits then share commands. `distinct`: each login
 * names its own client in X-Forwarded-For (ours trusts loopback proxies in
 * that run, and so does the kept-work floor), as logins from many phones
 * look; every hit is its own counter. The login floor keeps no counter, so
 * addresses change nothing for it.
 */
type Addresses = 'one' | 'distinct';

/** A distinct documentation-range address per request (198.18.0.0/15, RFC 2544). */
function clientAddress(i: number): string {
  return `198.${18 + ((i >> 16) & 1)}.${(i >> 8) & 255}.${i & 255}`;
}

async function loginRequests(
  sandbox: SandboxProcess,
  count: number,
  users: number,
  addresses: Addresses,
  firstAddress: number,
): Promise<LoadRequest[]> {
  const codes = await sandbox.child.call<string[]>('mintCodes', { codes: count, users });
  return codes.map((code, i) => ({
    method: 'POST',
    path: LOGIN_PATH,
    headers: {
      'content-type': 'application/json',
      ...(addresses === 'distinct' ? { 'x-forwarded-for': clientAddress(firstAddress + i) } : {}),
    },
    body: JSON.stringify({ code }),
  }));
}

/**
 * A target that stores per login (ours, the kept-work floor) must have
 * emptied a session and an audit entry per warm-up login, and a counter per
 * warm-up address (one from one address, one per login from an address
 * each); the login floor stores nothing to empty.
 */
export function checkEmptied(
  target: Pick<LoginTarget, 'storesPerLogin' | 'name'>,
  emptied: Record<string, number> | null,
  warmupAmount: number,
  addresses: Addresses,
): string | null {
  if (!target.storesPerLogin) {
    return emptied === null ? null : `${target.name}: emptied ${JSON.stringify(emptied)}`;
  }
  const counters = addresses === 'one' ? 1 : warmupAmount;
  if (
    emptied?.sessions === warmupAmount &&
    emptied.loginAudits === warmupAmount &&
    emptied.rateLimitCounters === counters
  ) {
    return null;
  }
  return `${target.name}: after ${warmupAmount} warm-up logins it emptied ${JSON.stringify(emptied)}`;
}

export async function runLoginBench(
  options: LoginOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const tables: BenchTable[] = [];
  for (const addresses of ['one', 'distinct'] as const) {
    tables.push(...(await runLoginTable(options, addresses, log)));
  }
  return tables;
}

const ADDRESSES_TEXT: Record<Addresses, string> = {
  one: 'Every login comes from the load generator (127.0.0.1): ours counts them all on one per-address counter, whose concurrent hits share commands.',
  distinct:
    'Each login names its own client in X-Forwarded-For (ours runs with TRUST_PROXY=loopback): one per-address counter per login, as logins from many phones are.',
};

const TITLES: Record<Addresses, string> = {
  one: 'Login: POST /api/v1/sessions against the sandbox, every login from one address',
  distinct: 'Login: POST /api/v1/sessions against the sandbox, each login from its own address',
};

function runLoginTable(
  options: LoginOptions,
  addresses: Addresses,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const connections = options.size === 'smoke' ? 2 : 10;
  return withMongo((mongo) =>
    withSandbox(async (sandbox) => {
      const [amount, warmupAmount, users] = amounts(options.size, mongo.external);
      const problems: string[] = [];
      const rounds = roundsOf(options.size);
      const rows = await measureInRounds(TARGETS, rounds, async (target, round) => {
        log(`login (${addresses} address): ${target.kind}, round ${round + 1} of ${rounds}`);
        const warmupCount = requestsNeeded(warmupAmount, connections);
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
            ...(addresses === 'distinct' ? { trustProxy: true } : {}),
          },
          {
            warmup: await loginRequests(sandbox, warmupCount, users, addresses, 0),
            warmupAmount,
            measured: await loginRequests(
              sandbox,
              requestsNeeded(amount, connections),
              users,
              addresses,
              warmupCount,
            ),
            amount,
            connections,
            noIdleWindow: options.size === 'smoke',
            emptyAfterWarmup: true,
          },
        );
        const emptyingProblem = checkEmptied(target, run.emptied, warmupAmount, addresses);
        if (emptyingProblem) problems.push(emptyingProblem);
        if ((run.measurement.errors ?? 0) > 0) {
          problems.push(`${target.name}: non-2xx answers ${JSON.stringify(run.statuses)}`);
        }
        // One user per openid: the pool's users, each stored exactly once.
        if (run.stored !== users)
          problems.push(`${target.name}: ${run.stored} users stored for a pool of ${users}`);
        // A floor's fixed commands per login check the command count itself.
        const least = target.leastCommandsPerLogin;
        const uncounted =
          least !== undefined && tooFewCommands(target.name, run.measurement, least);
        if (uncounted) problems.push(uncounted);
        return run.measurement;
      });
      return [
        {
          title: TITLES[addresses],
          description:
            `One op = one returning user's login with a fresh single-use code (minted through the sandbox library ` +
            `for a pool of ${users} users, all logged in once by the warm-up). autocannon, ${connections} ` +
            `connections, ${amount} logins after ${warmupAmount} warm-up logins (then ours and the kept-work floor empty the sessions, audit entries and counters they stored), ${roundsText(rounds)}. Server in its own child process, the sandbox in another ` +
            `(its CPU is not counted); CPU/op net of idle CPU. Database: ${databaseLabel(mongo)}, fresh per row, ` +
            `small working set (its write cost grows with collection size). ${ADDRESSES_TEXT[addresses]}`,
          rows,
          notes: [],
          problems,
        },
      ];
    }),
  );
}
