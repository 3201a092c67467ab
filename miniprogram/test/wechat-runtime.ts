/**
 * A Node `vm` realm that behaves like WeChat's JS runtime where it matters
 * for dynamic code, used to load the BUILT tree:
 *  - "不支持使用 eval 执行 JS 代码" → `eval` throws;
 *  - "不支持使用 new Function 创建函数" → `Function(...)` does not throw but hands
 *    back a non-function (as reported on base library 2.19.4), so a library
 *    probing `new Function('')` is fooled exactly as on a phone;
 *  - code generation from strings is off for the whole realm, so even
 *    `({}).constructor.constructor('…')` cannot sneak past;
 *  - no Node globals (process, require, Buffer, module, global): only what
 *    WeChat's logic layer has (console, timers, the `wx` object and the
 *    App/Page/Component registrars), plus a CommonJS `require` that only
 *    resolves files of the tree, as WeChat's does.
 * Every call to the fake `Function` or `eval` is counted, so a test can
 * assert none was even attempted.
 */
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

export interface WechatRealm {
  /** Loads a module of the tree (path relative to the root, `.js` included). */
  require(relPath: string): unknown;
  /** Attempts to create code from strings (`Function(...)`, `new Function`, `eval`). */
  dynamicCodeAttempts(): string[];
  /** What App()/Component()/Page() were called with. */
  registered: { app: unknown[]; components: unknown[]; pages: unknown[] };
}

const PRELUDE = `
  (function (record) {
    function WechatFunction() { record('Function(' + arguments.length + ' args)'); return undefined; }
    WechatFunction.prototype = Function.prototype;
    globalThis.Function = WechatFunction;
    globalThis.eval = function () { record('eval'); throw new EvalError('eval is not supported'); };
  })
`;

/** A fresh realm over the built tree at `root`, with `wx` as the global wx. */
export function wechatRealm(root: string, wx: unknown): WechatRealm {
  const attempts: string[] = [];
  const registered = { app: [] as unknown[], components: [] as unknown[], pages: [] as unknown[] };
  const context = vm.createContext(
    {
      console,
      setTimeout,
      clearTimeout,
      setInterval,
      clearInterval,
      wx,
      App: (def: unknown) => registered.app.push(def),
      Component: (def: unknown) => registered.components.push(def),
      Page: (def: unknown) => registered.pages.push(def),
      getApp: () => registered.app[0],
    },
    { codeGeneration: { strings: false, wasm: false } },
  );
  (vm.runInContext(PRELUDE, context) as (record: (what: string) => void) => void)((what) =>
    attempts.push(what),
  );

  const cache = new Map<string, { exports: unknown }>();
  const load = (abs: string): unknown => {
    const hit = cache.get(abs);
    if (hit) return hit.exports;
    if (!abs.startsWith(root + path.sep) || !fs.existsSync(abs)) {
      throw new Error(`module not found in the tree: ${path.relative(root, abs)}`);
    }
    const module = { exports: {} as unknown };
    cache.set(abs, module);
    const wrapper = vm.runInContext(
      `(function (module, exports, require) {\n${fs.readFileSync(abs, 'utf8')}\n})`,
      context,
      { filename: abs },
    ) as (m: typeof module, e: unknown, r: (spec: string) => unknown) => void;
    wrapper(module, module.exports, (spec) => {
      if (!spec.startsWith('.')) throw new Error(`bare require("${spec}") in ${abs}`);
      return load(path.resolve(path.dirname(abs), spec));
    });
    return module.exports;
  };

  return {
    require: (relPath) => load(path.join(root, relPath)),
    dynamicCodeAttempts: () => [...attempts],
    registered,
  };
}
