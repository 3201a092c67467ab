/**
 * Event intake: identical signed pushes (plaintext and safe mode) against our
 * endpoint and against Express apps around the peers, each storing the push
 * with one insert; plus the floor (a bare route doing only that insert).
 */
import { uniquePushes, type PushMode } from '../fixtures/wechat';
import type { RunSize } from '../lib/cli';
import { tooFewCommands } from '../lib/db-commands';
import { measureTarget } from '../lib/http-target';
import { requestsNeeded, type LoadRequest } from '../lib/load';
import { databaseLabel, freshDbName, withMongo } from '../lib/mongo';
import type { BenchTable, RowRole } from '../lib/report';
import { measureInRounds, roundsOf, roundsText } from '../lib/rounds';
import type { TargetKind } from '../targets/child';
import { PUSH_PATH } from '../targets/common';

export interface IntakeOptions {
  size: RunSize;
}

/** Pushes per row [measured, warm-up]: a real MongoDB takes larger runs than the embedded one. */
function amounts(size: RunSize, external: boolean): [number, number] {
  if (size === 'smoke') return [6, 0]; // no warm-up: autocannon ends a run on its 1 s tick
  if (external) return size === 'quick' ? [1500, 300] : [5000, 1000];
  // The embedded server's insert cost grows with the collection: keep it to a few hundred documents.
  return size === 'quick' ? [300, 100] : [400, 100];
}

interface IntakeTarget {
  kind: TargetKind;
  role: RowRole;
  name: string;
  path: string;
  note?: Partial<Record<PushMode, string>>;
}

const TARGETS: readonly IntakeTarget[] = [
  {
    kind: 'ours',
    role: 'ours',
    name: 'ours: POST /wechat/official-account/events',
    path: '/wechat/official-account/events',
  },
  {
    kind: 'intake-floor',
    role: 'floor',
    name: 'floor: bare Express route, one insert',
    path: PUSH_PATH,
  },
  {
    kind: 'webot',
    role: 'peer',
    name: 'node-webot wechat 2.1.0 middleware',
    path: PUSH_PATH,
    note: { safe: 'does not check the appid inside the decrypted message' },
  },
  {
    kind: 'easywechat',
    role: 'peer',
    name: 'node-easywechat 3.6.2 OfficialAccount server',
    path: PUSH_PATH,
    note: { plain: 'does not verify the plaintext signature (as shipped)' },
  },
];

function toRequests(path: string, mode: PushMode, tag: string, count: number): LoadRequest[] {
  const baseTime = Math.floor(Date.now() / 1000);
  return uniquePushes(count, mode, tag, baseTime).map((p) => ({
    method: 'POST',
    path: `${path}?${p.query}`,
    headers: { 'content-type': 'text/xml' },
    body: p.body,
  }));
}

export async function runIntakeBench(
  options: IntakeOptions,
  log: (line: string) => void,
): Promise<BenchTable[]> {
  const connections = options.size === 'smoke' ? 2 : 10;
  return withMongo(async (mongo) => {
    const [amount, warmupAmount] = amounts(options.size, mongo.external);
    const tables: BenchTable[] = [];
    const rounds = roundsOf(options.size);
    for (const mode of ['plain', 'safe'] as const) {
      const problems: string[] = [];
      const targets = TARGETS.map((t) => ({ ...t, note: t.note?.[mode] }));
      const rows = await measureInRounds(targets, rounds, async (target, round) => {
        log(`intake: ${mode} ${target.kind}, round ${round + 1} of ${rounds}`);
        const tag = `${target.kind}${mode}${round}${Date.now().toString(36)}`;
        const run = await measureTarget(
          {
            kind: target.kind,
            uri: mongo.uri,
            dbName: freshDbName(`intake_${mode}_${target.kind}`),
            // Ours is configured as a deployment taking these pushes would be:
            // compat also binds each encrypted push's `signature` query to its
            // body, which a safe-mode account does not need.
            ...(target.kind === 'ours' ? { encryptMode: mode } : {}),
          },
          {
            warmup: toRequests(
              target.path,
              mode,
              `w${tag}`,
              requestsNeeded(warmupAmount, connections),
            ),
            warmupAmount,
            measured: toRequests(target.path, mode, `m${tag}`, requestsNeeded(amount, connections)),
            amount,
            connections,
            noIdleWindow: options.size === 'smoke',
          },
        );
        const answered = warmupAmount + run.measurement.ops;
        if (run.stored < answered) {
          problems.push(
            `${target.name}: answered ${answered} pushes 2xx but holds ${run.stored} documents`,
          );
        }
        if ((run.measurement.errors ?? 0) > 0) {
          problems.push(`${target.name}: non-2xx answers ${JSON.stringify(run.statuses)}`);
        }
        // The floor and the peers insert each push on its own: the command count checks itself.
        const uncounted = target.role !== 'ours' && tooFewCommands(target.name, run.measurement, 1);
        if (uncounted) problems.push(uncounted);
        return run.measurement;
      });
      tables.push({
        title: `Event intake: ${mode === 'safe' ? 'safe-mode (encrypted)' : 'plaintext'} subscribe pushes`,
        description:
          `One op = one signed push, each unique (distinct FromUserName), answered only after it is inserted ` +
          `into a collection with a unique key (by itself, or for ours together with the pushes that arrived meanwhile). autocannon, ${connections} connections, ${amount} pushes after ` +
          `${warmupAmount} warm-up pushes, ${roundsText(rounds)}; every server in its own child process (CPU/op and peak RSS are that ` +
          `process's, measured around the load run; CPU/op is net of the process's idle CPU measured just before). Database: ${databaseLabel(mongo)}, a fresh database per ` +
          `row: its write cost grows with collection size, so the working set is kept to ` +
          `${warmupAmount + amount} documents.`,
        rows,
        notes: [
          'ours runs the production app (helmet, request log and id, Prometheus histograms, zod config) in the encryption mode of the pushes, with the inbox processor off: linkage happens after the answer and is not part of intake.',
          'ours stores into the inbox (unique dedup key plus the processor’s status indexes) with the native driver, and in plaintext mode binds the signed query to the body in the same insert; pushes that arrive while both of its insert commands are out share the next one (one insertMany, each push still answered after its own document is stored: server/src/platform/insert-batcher.ts); the others insert each push alone with the native driver into a collection with one unique index. The embedded database charges much more per command than per document, which makes the shared insert worth more here than on a MongoDB server.',
        ],
        problems,
      });
    }
    return tables;
  });
}
