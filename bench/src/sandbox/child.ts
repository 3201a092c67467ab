/**
 * The WeChat sandbox in its own process, so its CPU never counts against the
 * server under test. Codes and followers are minted through the sandbox's
 * library API, as tests do.
 */
import { startSandbox, type Sandbox } from '@wxlink/wechat-sandbox';
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
    /** `codes` single-use login codes spread over `users` users (round-robin). */
    mintCodes: (payload): string[] => {
      const { codes, users } = payload as { codes: number; users: number };
      const s = running();
      const pool = Array.from({ length: users }, () => s.createUser());
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
