// Part of `npm run build`: writes dist/openapi.json from the compiled contracts, so the server
// (GET /openapi.json) and anyone without a running server read the same document.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { buildOpenApiDocument } = require('../dist/openapi/index.js');

const target = join(__dirname, '..', 'dist', 'openapi.json');
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`);
