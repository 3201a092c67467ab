/**
 * WeChat's own template compilers as a build gate. DevTools compiles WXML
 * with `wcc` and WXSS with `wcsc`; npm `miniprogram-compiler` ships the same
 * binaries (Linux, macOS, Windows) inside its tarball, so no download
 * happens at install or run time. A template that wcc/wcsc reject would
 * fail in DevTools and on upload; here it fails the build instead.
 *
 * Usage: node scripts/check-templates.js [<dir>]   (default: dist/)
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const wcc = require('miniprogram-compiler/src/wcc');
const wcsc = require('miniprogram-compiler/src/wcsc');

function walk(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(abs, base));
    else out.push(path.relative(base, abs).split(path.sep).join('/'));
  }
  return out;
}

/** Paths without extension, as both compilers take them. */
function stems(files, ext) {
  return files.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length));
}

/**
 * Compiles every .wxml and .wxss under `dir`. Throws one Error listing what
 * the compilers said; returns the counts when everything compiled.
 */
function checkTemplates(dir) {
  const files = walk(dir);
  const wxml = stems(files, '.wxml');
  const wxss = stems(files, '.wxss');
  const errors = [];
  if (wxml.length > 0) {
    try {
      // Throws with wcc's stderr on any error (exit status ≠ 0).
      // Copies: the wrappers push component paths into the arrays they get.
      wcc(
        dir,
        [...wxml],
        stems(files, '.wxs').map((s) => `${s}.wxs`),
        { maxBuffer: 16 << 20 },
      );
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  if (wxss.length > 0) {
    // The wrapper RETURNS an Error instead of throwing one.
    const result = wcsc(dir, [...wxss], { maxBuffer: 16 << 20 });
    if (result instanceof Error) errors.push(result.message);
  }
  if (errors.length > 0) {
    throw new Error(`WeChat compilers rejected ${dir}:\n${errors.join('\n').trim()}`);
  }
  return { wxml: wxml.length, wxss: wxss.length };
}

module.exports = { checkTemplates };

if (require.main === module) {
  const dir = path.resolve(process.argv[2] || path.join(__dirname, '..', 'dist'));
  try {
    const { wxml, wxss } = checkTemplates(dir);
    console.log(`wcc/wcsc: ${wxml} WXML and ${wxss} WXSS files compiled`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
