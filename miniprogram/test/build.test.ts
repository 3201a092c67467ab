/**
 * Proves `npm run build` leaves a tree WeChat DevTools can open: every
 * require() resolves to a file inside the tree (no node_modules, no bare
 * names), every page/component has its four files, and the BUILT home page
 * runs under miniprogram-simulate against a scripted wx.
 *
 * The tree is built into a temp dir outside the repo, so Node's module
 * resolution cannot quietly rescue a bare import from node_modules.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { FakeBackend } from '../src/test-support/fake-backend';
import { FakeWx, flush } from '../src/test-support/fake-wx';
import { API_BASE, userInfoDetail } from '../src/test-support/fixtures';
import type * as ServicesSource from '../src/services/index';
import { loadOnce, renderAttached, textOf } from '../src/test-support/simulate';

type ServicesModule = typeof ServicesSource;

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxlink-mp-'));

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = path.join(dir, e.name);
    return e.isDirectory() ? walk(abs) : [abs];
  });
}

beforeAll(() => {
  // A child process: esbuild refuses to load inside jsdom, and this runs the real CLI.
  execFileSync(
    process.execPath,
    [path.join(__dirname, '../scripts/build.js'), '--out-dir', outDir],
    {
      env: { ...process.env, WXLINK_API_BASE: 'http://192.168.1.20:3000' },
      stdio: 'pipe',
      timeout: 60_000,
    },
  );
}, 60_000);

afterAll(() => {
  fs.rmSync(outDir, { recursive: true, force: true });
});

describe('built DevTools tree', () => {
  it('contains JavaScript only (no .ts, no tests, no test support)', () => {
    const files = walk(outDir).map((f) => path.relative(outDir, f));
    expect(files).toEqual(
      expect.arrayContaining(['app.js', 'app.json', 'sitemap.json', 'vendor/contracts.js']),
    );
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => f.includes('test'))).toEqual([]);
  });

  it('resolves every require() to a .js file inside the tree', () => {
    const unresolved: string[] = [];
    let count = 0;
    for (const file of walk(outDir).filter((f) => f.endsWith('.js'))) {
      const source = fs.readFileSync(file, 'utf8');
      for (const m of source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
        count++;
        const spec = m[1]!;
        const target = path.resolve(path.dirname(file), spec);
        const inside = target.startsWith(outDir + path.sep);
        if (!spec.startsWith('.') || !spec.endsWith('.js') || !inside || !fs.existsSync(target)) {
          unresolved.push(`${path.relative(outDir, file)} → ${spec}`);
        }
      }
    }
    expect(unresolved).toEqual([]);
    expect(count).toBeGreaterThan(10);
  });

  it('bundles contracts once, self-contained', () => {
    const vendor = fs.readFileSync(path.join(outDir, 'vendor/contracts.js'), 'utf8');
    expect(vendor).not.toMatch(/\brequire\(/);
    const home = fs.readFileSync(path.join(outDir, 'services/client.js'), 'utf8');
    expect(home).toContain('require("../vendor/contracts.js")');
    expect(home).not.toContain('@wxlink/contracts');
  });

  it('has the four files for every page and every used component', () => {
    const app = JSON.parse(fs.readFileSync(path.join(outDir, 'app.json'), 'utf8')) as {
      pages: string[];
    };
    const seen = new Set<string>();
    const check = (base: string) => {
      if (seen.has(base)) return;
      seen.add(base);
      for (const ext of ['.js', '.json', '.wxml', '.wxss']) {
        expect(fs.existsSync(path.join(outDir, base + ext))).toBe(true);
      }
      const json = JSON.parse(fs.readFileSync(path.join(outDir, `${base}.json`), 'utf8')) as {
        usingComponents?: Record<string, string>;
      };
      for (const target of Object.values(json.usingComponents ?? {})) {
        check(target.startsWith('/') ? target.slice(1) : path.join(path.dirname(base), target));
      }
    };
    for (const page of app.pages) check(page);
    expect(seen.size).toBe(6);
  });

  it('bakes the WXLINK_API_BASE override into the develop config', () => {
    const config = fs.readFileSync(path.join(outDir, 'config/index.js'), 'utf8');
    expect(config).toContain('http://192.168.1.20:3000');
    expect(config).not.toMatch(/\bWXLINK_API_BASE\b(?!")/);
  });

  it('runs the BUILT home page under miniprogram-simulate', async () => {
    // The built page uses the built services module, so configure that one.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const services = require(path.join(outDir, 'services/index.js')) as ServicesModule;
    const wx = new FakeWx();
    new FakeBackend(wx);
    services.configureClient({ wx, apiBase: API_BASE });

    const comp = renderAttached(loadOnce('pages/home/index', outDir));
    (comp.instance as unknown as { onShow(): void }).onShow();
    await flush();
    expect(comp.data.isReady).toBe(true);
    expect(textOf(comp, '#follow >>> #badge-0 >>> .badge__label')).toBe('公众号关注状态未知'); // zh_CN by default

    comp
      .querySelector('#btn-authorize')!
      .dispatchEvent('getuserinfo', { detail: userInfoDetail() });
    await flush();
    expect(textOf(comp, '#profile >>> .card__name')).toBe('Band');
    // The bundled contracts validated the request body: exactly the four fields.
    expect(Object.keys(wx.calls('POST', '/api/v1/me/profile')[0]!.data!).sort()).toEqual([
      'encryptedData',
      'iv',
      'rawData',
      'signature',
    ]);
  });
});
