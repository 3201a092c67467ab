import { ENV_API_BASE, ENV_SANDBOX_URL } from './env';
import { startStack } from './stack';
import type { Stack } from './stack';

/** Runs in plain Node before the (jsdom) test workers start; they inherit the URLs. */
export default async function globalSetup(): Promise<void> {
  const stack = await startStack();
  process.env[ENV_API_BASE] = stack.server.url;
  process.env[ENV_SANDBOX_URL] = stack.sandbox.url;
  (globalThis as { __wxlinkContractStack?: Stack }).__wxlinkContractStack = stack;
}
