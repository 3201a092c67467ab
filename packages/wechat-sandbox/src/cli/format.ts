import type { SandboxEvent } from '../event-log';
import type { PushResult } from '../pusher';
import type { SandboxUserView } from '../user-view';

/** How the CLI prints users, pushes and events. */

/** One line on stdout. */
export function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function formatTime(seconds: number | null): string {
  return seconds === null ? '-' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** One user on one line. */
export function describeUser(u: SandboxUserView): string {
  const follow = u.following ? `following since ${formatTime(u.subscribeTime)}` : 'not following';
  return `${u.id}  ${u.nickName}  mini=${u.miniOpenid}  oa=${u.oaOpenid}  unionid=${u.unionid ?? '(unbound)'}  ${follow}`;
}

/** What became of a follow/unfollow push, attempt by attempt. */
export function describePush(push: PushResult | null): string {
  if (push === null) return 'no push sent (nothing changed, no push target set, or --no-push)';
  const tries = push.attempts
    .map(
      (a, i) =>
        `#${i + 1} ${a.error ?? `HTTP ${a.status} ${JSON.stringify((a.body ?? '').slice(0, 40))}`} (${a.ms} ms)`,
    )
    .join('; ');
  return `push ${push.delivered ? 'delivered' : `NOT delivered (${push.outcome})`}: ${tries}`;
}

/** One event-log entry on one line. */
export function describeEvent(e: SandboxEvent): string {
  return `${String(e.seq).padStart(5)}  ${new Date(e.at).toISOString()}  ${e.type.padEnd(16)} ${e.message}`;
}
