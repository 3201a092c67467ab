import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/** Runs a Node script in a child process (ESM-only tools cannot load inside jest's VM). */
export function runNode(args: string[], input: string): string {
  return execFileSync(process.execPath, args, { input, encoding: 'utf8', timeout: 30_000 });
}

/** Validates an OpenAPI document with @seriousme/openapi-schema-validator. */
export function validateOpenApi(document: unknown): {
  valid: boolean;
  version: string;
  errors: unknown[];
} {
  const out = runNode([join(__dirname, 'validate-openapi.mjs')], JSON.stringify(document));
  return JSON.parse(out) as { valid: boolean; version: string; errors: unknown[] };
}

const PRETTIER_BIN = join(dirname(require.resolve('prettier')), 'bin', 'prettier.cjs');

/** Formats text as prettier formats the file at `filepath` (the repository's settings). */
export function prettierFormat(text: string, filepath: string): string {
  return runNode([PRETTIER_BIN, '--stdin-filepath', filepath], text);
}
