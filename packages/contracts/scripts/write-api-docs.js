// `npm run docs:api`: writes docs/api.md (repository root) from docs/api.template.md and the
// compiled contracts, formatted by the repository's prettier settings. The contracts test
// "docs/api.md is generated" fails while the committed file differs from this output.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const prettier = require('prettier');
const { renderApiReference } = require('../dist/openapi/index.js');

const TEMPLATE = join(__dirname, '..', 'docs', 'api.template.md');
const TARGET = join(__dirname, '..', '..', '..', 'docs', 'api.md');

async function main() {
  const text = renderApiReference(readFileSync(TEMPLATE, 'utf8'));
  const options = (await prettier.resolveConfig(TARGET)) ?? {};
  writeFileSync(TARGET, await prettier.format(text, { ...options, filepath: TARGET }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
