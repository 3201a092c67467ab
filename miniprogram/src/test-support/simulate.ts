/**
 * miniprogram-simulate helpers. Each component path is loaded once per test
 * file (simulate registers definitions globally); render() makes a fresh
 * instance attached to the jsdom document.
 */
import path from 'node:path';
import simulate from 'miniprogram-simulate';

export const SRC_ROOT = path.resolve(__dirname, '..');

const loaded = new Map<string, string>();

/** `pagePath` like 'pages/home/index', relative to `root` (src/ or a built dist/). */
export function loadOnce(pagePath: string, root = SRC_ROOT): string {
  const key = `${root}:${pagePath}`;
  let id = loaded.get(key);
  if (!id) {
    id = simulate.load(path.join(root, pagePath), { rootPath: root });
    loaded.set(key, id);
  }
  return id;
}

/** A fresh instance of the loaded component `id`, attached to the jsdom document (lifetimes run). */
export function renderAttached(id: string, props?: Record<string, unknown>) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

export type Rendered = ReturnType<typeof renderAttached>;
/** Any node in a rendered tree (built-in or custom component). */
export type Node = NonNullable<ReturnType<Rendered['querySelector']>>;

/**
 * First node matching `selector`; ' >>> ' steps into a child component's
 * own tree (e.g. '#profile >>> .card__name'), which plain selectors never cross.
 */
export function find(comp: Rendered, selector: string): Node | null {
  let node: Node | undefined = comp;
  for (const part of selector.split(' >>> ')) {
    node = node?.querySelector(part) ?? undefined;
  }
  return node ?? null;
}

/** Text of the node matching `selector`, or null when it is not rendered. */
export function textOf(comp: Rendered, selector: string): string | null {
  return find(comp, selector)?.dom?.textContent?.trim() ?? null;
}

/** Whether a node matching `selector` is rendered (wx:if kept it). */
export function exists(comp: Rendered, selector: string): boolean {
  return find(comp, selector) !== null;
}

/**
 * Dispatches `event` with `detail` on the node matching `selector` (' >>> '
 * steps into child components, as in find()), the way WeChat delivers a
 * bound event such as bindtap or bindgetphonenumber: through j-component's
 * `dispatchEvent(eventName, { detail })`, which miniprogram-simulate's nodes
 * expose. Throws when nothing matches, so a wrong selector fails loudly
 * instead of silently dispatching nothing.
 */
export function fire(
  comp: Rendered,
  selector: string,
  event: string,
  detail: Record<string, unknown> = {},
): void {
  const node = find(comp, selector);
  if (!node) throw new Error(`fire('${event}'): no node matches '${selector}'`);
  node.dispatchEvent(event, { detail });
}
