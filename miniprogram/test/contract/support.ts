import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxClient } from '@wxlink/wechat-sandbox';
import { configureClient } from '../../src/services/index';
import type { WxlinkClient } from '../../src/services/index';
import { HttpWx } from './http-wx';
import { ENV_API_BASE, ENV_SANDBOX_URL } from './env';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through the contract jest project`);
  return value;
}

export const apiBase = (): string => env(ENV_API_BASE);
export const sandbox = (): SandboxClient => new SandboxClient(env(ENV_SANDBOX_URL));

/** A new WeChat user (bound to the open platform) with a phone and the shared client wired to it. */
export async function newPhone(
  opts: { unbound?: boolean } = {},
): Promise<{ wx: HttpWx; client: WxlinkClient; userId: string }> {
  const sb = sandbox();
  const user = await sb.createUser(opts.unbound ? { unbound: true } : {});
  const wx = new HttpWx(sb, user.id);
  const client = configureClient({ wx, apiBase: apiBase(), timeoutMs: 10_000 });
  return { wx, client, userId: user.id };
}

/** Polls until `check` passes (returns true) or the time runs out. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// A 1×1 PNG: the server checks the file's magic bytes, so it must be a real image.
const PNG_1X1 =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** A chooseAvatar-style temp file on disk. */
export function tempAvatar(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wxlink-avatar-')), 'avatar.png');
  fs.writeFileSync(file, Buffer.from(PNG_1X1, 'base64'));
  return file;
}
