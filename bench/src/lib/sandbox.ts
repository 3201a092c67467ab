import path from 'node:path';
import { MP_APPID, OA_AES_KEY, OA_APPID, OA_TOKEN } from '../fixtures/wechat';
import type { SandboxInfo, StartSandboxPayload } from '../sandbox/child';
import { forkChild, type ChildHandle } from './rpc';

export interface SandboxProcess {
  info: SandboxInfo;
  child: ChildHandle;
}

const SANDBOX_CHILD = path.join(__dirname, '..', 'sandbox', 'child.js');

/** Starts the WeChat sandbox in its own process with the bench's apps. */
export async function startSandboxProcess(): Promise<SandboxProcess> {
  const child = forkChild(SANDBOX_CHILD);
  const payload: StartSandboxPayload = {
    miniProgram: { appid: MP_APPID, secret: 'bench-mp-secret' },
    officialAccount: {
      appid: OA_APPID,
      secret: 'bench-oa-secret',
      token: OA_TOKEN,
      encodingAesKey: OA_AES_KEY,
    },
  };
  try {
    return { info: await child.call<SandboxInfo>('start', payload), child };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export async function withSandbox<T>(fn: (sandbox: SandboxProcess) => Promise<T>): Promise<T> {
  const sandbox = await startSandboxProcess();
  try {
    return await fn(sandbox);
  } finally {
    await sandbox.child.stop();
  }
}
