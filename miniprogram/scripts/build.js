#!/usr/bin/env node
/**
 * Builds the DevTools-ready tree in dist/ from src/:
 *  - every app .ts (not tests, not test-support) → .js (CommonJS, one file per module);
 *  - .json/.wxml/.wxss and images copied as-is;
 *  - the isomorphic @wxlink/contracts (with zod) bundled ONCE into
 *    dist/vendor/contracts.js, and every import of it rewritten to a relative
 *    path, so the tree needs no node_modules and no DevTools "build npm".
 * Any other bare import fails the build: nothing unresolved can reach DevTools.
 * After building, WeChat's own template compilers (wcc/wcsc, see
 * check-templates.js) must accept every WXML and WXSS, or the build fails.
 *
 * Usage: node scripts/build.js [--out-dir <dir>]   (default: dist/)
 * Env: WXLINK_API_BASE overrides the `develop` API base (see src/config).
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const { checkTemplates } = require('./check-templates');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');
const VENDOR_REL = 'vendor/contracts.js';
const VENDORED = new Set(['@wxlink/contracts']);
const ASSET_EXT = new Set([
  '.json',
  '.wxml',
  '.wxss',
  '.wxs',
  '.png',
  '.jpg',
  '.jpeg',
  '.svg',
  '.gif',
]);
// WeChat's JS engines (old iOS JSCore included) with DevTools' ES6→ES5 on top.
const TARGET = 'es2018';

function isExcluded(rel) {
  return (
    rel.split(path.sep).includes('test-support') ||
    rel.endsWith('.test.ts') ||
    rel.endsWith('.d.ts')
  );
}

function walk(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(abs, base));
    else out.push(path.relative(base, abs));
  }
  return out;
}

/** `./x` style specifier from one output file to another. */
function relativeSpecifier(fromFile, toFile) {
  let rel = path.relative(path.dirname(fromFile), toFile).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = `./${rel}`;
  return rel;
}

/** A relative import in src → the .ts file it names (file or directory index). */
function resolveSource(resolveDir, spec) {
  const base = path.resolve(resolveDir, spec);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
      return candidate;
    }
  }
  return null;
}

/**
 * esbuild sees every import; this plugin keeps each module in its own output
 * file (all imports external) while rewriting the specifier to the exact
 * relative .js path WeChat's `require` will find.
 */
function rewriteImports(outDir) {
  return {
    name: 'wxlink-rewrite-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const importerOut = path
          .join(outDir, path.relative(SRC, args.importer))
          .replace(/\.ts$/, '.js');
        if (VENDORED.has(args.path)) {
          return {
            path: relativeSpecifier(importerOut, path.join(outDir, VENDOR_REL)),
            external: true,
          };
        }
        if (args.path.startsWith('.')) {
          const source = resolveSource(args.resolveDir, args.path);
          if (
            !source ||
            !source.startsWith(SRC + path.sep) ||
            isExcluded(path.relative(SRC, source))
          ) {
            return {
              errors: [
                {
                  text: `cannot resolve ${args.path} (from ${path.relative(ROOT, args.importer)})`,
                },
              ],
            };
          }
          const target = path.join(outDir, path.relative(SRC, source)).replace(/\.ts$/, '.js');
          return { path: relativeSpecifier(importerOut, target), external: true };
        }
        return {
          errors: [
            {
              text: `bare import "${args.path}" in ${path.relative(ROOT, args.importer)}: only ${[...VENDORED].join(', ')} is bundled for the mini-program`,
            },
          ],
        };
      });
    },
  };
}

/**
 * zod's `z` namespace re-exports every locale (~300 KB minified) though only
 * English messages are ever used (the default). Swap the locale index for
 * one that carries `en` only: the vendor file shrinks by more than half,
 * well inside the 2 MB main-package limit.
 */
function englishOnlyZodLocales() {
  return {
    name: 'wxlink-zod-locales-en',
    setup(build) {
      build.onResolve({ filter: /\/locales\/index\.c?js$/ }, (args) => {
        if (!/[\\/]zod[\\/]/.test(args.importer)) return undefined;
        return { path: path.resolve(args.resolveDir, args.path), namespace: 'zod-locales-en' };
      });
      build.onLoad({ filter: /.*/, namespace: 'zod-locales-en' }, (args) => {
        const cjs = args.path.endsWith('.cjs');
        const en = `./en.${cjs ? 'cjs' : 'js'}`;
        return {
          contents: cjs
            ? `exports.en = require(${JSON.stringify(en)}).default;`
            : `export { default as en } from ${JSON.stringify(en)};`,
          resolveDir: path.dirname(args.path),
          loader: 'js',
        };
      });
    },
  };
}

/**
 * The vendor bundle's entry. zod 4 compiles object parsers with
 * `new Function` unless told not to, and WeChat forbids dynamic code:
 * "基于安全考虑，小程序中不支持动态执行 JS 代码，即：不支持使用 eval 执行 JS 代码；
 * 不支持使用 new Function 创建函数" (framework/runtime/js-support). WeChat does not
 * even throw there (`Function(...)` hands back a non-function), so zod's own
 * probe believes eval works. zod reads `jitless` when a schema is DEFINED,
 * so the config call must run inside the bundle before @wxlink/contracts
 * defines its first schema: it comes first, and both requires resolve to the
 * one zod copy esbuild bundles.
 */
function vendorEntry({ zodJitless }) {
  const contracts = "module.exports = require('@wxlink/contracts');";
  return zodJitless ? `require('zod').config({ jitless: true });\n${contracts}` : contracts;
}

/**
 * `zodJitless: false` exists only so the runtime test can build the broken
 * bundle and prove its check catches it; never ship it.
 */
async function build({
  outDir = path.join(ROOT, 'dist'),
  apiBase = process.env.WXLINK_API_BASE,
  zodJitless = true,
  checkWithWechatCompilers = true,
} = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const files = walk(SRC).filter((rel) => !isExcluded(rel));

  for (const rel of files) {
    if (!ASSET_EXT.has(path.extname(rel))) continue;
    fs.mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
    fs.copyFileSync(path.join(SRC, rel), path.join(outDir, rel));
  }

  // The shared contracts, bundled once. platform neutral: a Node built-in
  // sneaking into the isomorphic entry fails here instead of on a phone.
  await esbuild.build({
    stdin: {
      contents: vendorEntry({ zodJitless }),
      resolveDir: ROOT,
      sourcefile: 'vendor-contracts.js',
    },
    bundle: true,
    platform: 'neutral',
    mainFields: ['main', 'module'],
    conditions: ['require', 'default'],
    format: 'cjs',
    target: TARGET,
    minify: true,
    legalComments: 'none',
    outfile: path.join(outDir, VENDOR_REL),
    plugins: [englishOnlyZodLocales()],
    logLevel: 'silent',
  });

  const entryPoints = files.filter((rel) => rel.endsWith('.ts')).map((rel) => path.join(SRC, rel));
  await esbuild.build({
    entryPoints,
    outbase: SRC,
    outdir: outDir,
    bundle: true,
    platform: 'neutral',
    format: 'cjs',
    target: TARGET,
    tsconfig: path.join(ROOT, 'tsconfig.app.json'),
    define: { WXLINK_API_BASE: apiBase ? JSON.stringify(apiBase) : 'undefined' },
    plugins: [rewriteImports(outDir)],
    logLevel: 'silent',
  });

  if (checkWithWechatCompilers) checkTemplates(outDir);
  return { outDir, modules: entryPoints.length, assets: files.length - entryPoints.length };
}

module.exports = { build };

function parseArgs(argv) {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return {};
  const dir = argv[i + 1];
  if (!dir) throw new Error('--out-dir needs a directory');
  return { outDir: path.resolve(dir) };
}

if (require.main === module) {
  build(parseArgs(process.argv.slice(2))).then(
    ({ outDir, modules, assets }) => {
      console.log(
        `miniprogram: ${modules} modules, ${assets} assets, vendor/contracts.js → ${path.relative(process.cwd(), outDir) || '.'}`,
      );
    },
    (err) => {
      const errors = err && Array.isArray(err.errors) ? err.errors : [];
      if (errors.length > 0) for (const e of errors) console.error(`build error: ${e.text}`);
      else console.error(err);
      process.exitCode = 1;
    },
  );
}
