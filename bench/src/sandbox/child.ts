/**
 * The WeChat sandbox in its own process, so its CPU never counts against the
 * server under test. Codes and followers are minted through the sandbox's
 * library API, as tests do.
 */
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';

type SandboxUser = Parameters<Sandbox['mintLoginCode']>[0];
import { serveRpc } from '../lib/rpc';

export interface SandboxInfo {
  url: string;
  miniProgram: { appid: string; secret: string };
}

export interface StartSandboxPayload {
  miniProgram: { appid: string; secret: string };
  officialAccount: { appid: string; secret: string; token: string; encodingAesKey: string };
}

let sandbox: Sandbox | undefined;
/** The users codes are minted for, kept across calls: the warm-up's users are the measured run's. */
const pool: SandboxUser[] = [];

function running(): Sandbox {
  if (!sandbox) throw new Error('sandbox not started');
  return sandbox;
}

serveRpc(
  {
    start: async (payload): Promise<SandboxInfo> => {
      const p = payload as StartSandboxPayload;
      sandbox = await startSandbox({
        miniProgram: p.miniProgram,
        officialAccount: p.officialAccount,
      });
      return { url: sandbox.url, miniProgram: sandbox.config.miniProgram };
    },
    /**
     * `codes` single-use login codes spread round-robin over the first `users`
     * users of this sandbox's pool (created on first use, the same on every call).
     */
    mintCodes: (payload): string[] => {
      const { codes, users } = payload as { codes: number; users: number };
      const s = running();
      while (pool.length < users) pool.push(s.createUser());
      const out: string[] = [];
      for (let i = 0; i < codes; i += 1) {
        const user = pool[i % users];
        if (!user) throw new Error('empty user pool');
        out.push(s.mintLoginCode(user));
      }
      return out;
    },
    createFollowers: (payload): number => {
      const { n } = payload as { n: number };
      return running().createFollowers(n).length;
    },
  },
  () => sandbox?.close() ?? Promise.resolve(),
);
