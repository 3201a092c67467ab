#!/usr/bin/env node
import { SandboxClient, SandboxClientError } from './client';
import { SandboxError } from './errors';
import { DEFAULT_URL, USAGE, UsageError, parseCommandLine } from './cli/args';
import { runCommand } from './cli/commands';
import { print } from './cli/format';
import { serve } from './cli/serve';

/**
 * `npm run sandbox -- <command>`: start a sandbox (`serve`) or drive a
 * running one through its control API (cli/commands.ts).
 */

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseCommandLine(argv);
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    print(USAGE);
    return;
  }
  if (command === 'serve') return serve(values);

  const client = new SandboxClient(values.url ?? process.env.SANDBOX_URL ?? DEFAULT_URL);
  await runCommand({ client, command, args, values });
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`error: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (err instanceof SandboxClientError || err instanceof SandboxError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (code === 'EADDRINUSE') {
    process.stderr.write(`error: port already in use (${(err as Error).message}); try --port\n`);
    process.exit(1);
  }
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
