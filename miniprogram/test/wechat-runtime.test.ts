/**
 * @jest-environment node
 *
 * The BUILT tree on WeChat's terms (node environment: esbuild will not load
 * under jsdom):
 *  1. it runs where dynamic code does not (see wechat-runtime.ts): the
 *     session kit logs in and makes an authenticated call, with not one
 *     attempt at `Function(...)`/`eval`; and the same tree built WITHOUT
 *     zod's jitless setting fails there, so this check is known to bite;
 *  2. WeChat's own compilers (wcc/wcsc) accept every WXML and WXSS, and
 *     reject a broken template or stylesheet;
 *  3. the main package stays small (sizes printed, limit asserted).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeBackend } from '../src/test-support/fake-backend';
import { FakeWx } from '../src/test-support/fake-wx';
import { API_BASE } from '../src/test-support/fixtures';
import type * as ServicesSource from '../src/services/index';
import { wechatRealm } from './wechat-runtime';

/* eslint-disable @typescript-eslint/no-require-imports */
const { build } = require('../scripts/build.js') as {
  build(opts: {
    outDir: string;
    zodJitless?: boolean;
    checkWithWechatCompilers?: boolean;
  }): Promise<unknown>;
};
const { checkTemplates } = require('../scripts/check-templates.js') as {
  checkTemplates(dir: string): { wxml: number; wxss: number };
};
/* eslint-enable @typescript-eslint/no-require-imports */

type ServicesModule = typeof ServicesSource;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wxlink-wechat-'));
const shipped = path.join(tmp, 'shipped');
const withJit = path.join(tmp, 'with-jit');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = path.join(dir, e.name);
    return e.isDirectory() ? walk(abs) : [abs];
  });
}

beforeAll(async () => {
  await build({ outDir: shipped });
  await build({ outDir: withJit, zodJitless: false, checkWithWechatCompilers: false });
}, 60_000);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Loads the tree in a WeChat-like realm and runs login + an authenticated call. */
function driveSessionKit(root: string) {
  const wx = new FakeWx();
  const backend = new FakeBackend(wx);
  const realm = wechatRealm(root, wx);
  // Every module of the tree loads (app, pages, components), as on launch.
  for (const file of walk(root).filter((f) => f.endsWith('.js'))) {
    realm.require(path.relative(root, file));
  }
  const services = realm.require('services/index.js') as ServicesModule;
  const client = services.configureClient({ wx, apiBase: API_BASE });
  const run = async () => {
    const user = await client.ensureSession();
    const list = await client.request('listSubscriptions');
    return { user, list };
  };
  return { run, realm, wx, backend };
}

describe('the built tree on a WeChat-like runtime (no dynamic code)', () => {
  it('logs in and makes an authenticated call without any attempt at dynamic code', async () => {
    const { run, realm, wx, backend } = driveSessionKit(shipped);
    const { user, list } = await run();
    expect(user.id).toBe(backend.user.id);
    expect(list.subscriptions[0]?.officialAccountAppid).toBe('wxoa123');
    expect(wx.calls('POST', '/api/v1/sessions')).toHaveLength(1);
    expect(wx.calls('GET', '/api/v1/me/subscriptions')[0]?.token).toMatch(/^token-1-/);
    expect(realm.registered.app).toHaveLength(1);
    expect(realm.registered.components.length).toBeGreaterThanOrEqual(3);
    expect(realm.dynamicCodeAttempts()).toEqual([]);
  });

  it('bites: the same tree without zod jitless fails before the first request is sent', async () => {
    const { run, realm, wx } = driveSessionKit(withJit);
    await expect(run()).rejects.toMatchObject({ name: 'LoginError' });
    await expect(run()).rejects.toMatchObject({
      cause: { name: 'TypeError', message: expect.stringMatching(/not a function/) },
    });
    expect(wx.requests).toHaveLength(0);
    expect(realm.dynamicCodeAttempts().length).toBeGreaterThan(0);
  });

  it('has no eval or Function constructor in the app code (only the vendor bundle may name it)', () => {
    const offenders = walk(shipped)
      .filter((f) => f.endsWith('.js') && !f.endsWith(path.join('vendor', 'contracts.js')))
      .filter((f) =>
        /\beval\s*\(|\bnew\s+Function\b|\bFunction\s*\(/.test(fs.readFileSync(f, 'utf8')),
      )
      .map((f) => path.relative(shipped, f));
    expect(offenders).toEqual([]);
    const vendor = fs.readFileSync(path.join(shipped, 'vendor/contracts.js'), 'utf8');
    expect(vendor).toContain('jitless:!0');
    expect(vendor).not.toMatch(/\beval\s*\(/);
  });
});

describe('WeChat compilers (wcc/wcsc) gate the build', () => {
  it('compile every WXML and WXSS of the built tree', () => {
    const wxml = walk(shipped).filter((f) => f.endsWith('.wxml')).length;
    const wxss = walk(shipped).filter((f) => f.endsWith('.wxss')).length;
    expect(checkTemplates(shipped)).toEqual({ wxml, wxss });
    expect(wxml).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['a template with an unclosed tag', 'pages/home/index.wxml', '<view><text>{{a}}</view'],
    ['a stylesheet with an unclosed rule', 'app.wxss', '.page { color: red'],
  ])('reject %s', (_what, file, broken) => {
    const copy = path.join(tmp, `broken-${path.basename(file)}`);
    fs.cpSync(shipped, copy, { recursive: true });
    fs.writeFileSync(path.join(copy, file), broken);
    expect(() => checkTemplates(copy)).toThrow(/WeChat compilers rejected/);
  });
});

describe('main package size', () => {
  // "单个分包/主包大小不能超过 2M" (framework/subpackages): the whole tree is the main package.
  const MAIN_PACKAGE_LIMIT = 2 * 1024 * 1024;

  it('reports the built tree size and stays well inside the 2 MB main package', () => {
    const sizes = walk(shipped).map((f) => ({ f, bytes: fs.statSync(f).size }));
    const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
    const vendor = fs.statSync(path.join(shipped, 'vendor/contracts.js')).size;
    console.info(
      `built tree: ${sizes.length} files, ${(total / 1024).toFixed(1)} KiB ` +
        `(vendor/contracts.js ${(vendor / 1024).toFixed(1)} KiB) of the 2048 KiB main-package limit`,
    );
    expect(total).toBeLessThan(MAIN_PACKAGE_LIMIT / 4);
    // Minified: a few very long lines (pretty-printed zod averages ~40 bytes a line).
    const lines = fs.readFileSync(path.join(shipped, 'vendor/contracts.js'), 'utf8').split('\n');
    expect(vendor / lines.length).toBeGreaterThan(1000);
  });
});
