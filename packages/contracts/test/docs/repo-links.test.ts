import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The repository documents its contract in its own words: no Markdown file
 * links to a path outside the repository, and every relative link resolves.
 */
const ROOT = resolve(__dirname, '../../../..');
const SKIP = new Set(['node_modules', 'dist', 'coverage', '.git', '.turbo']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [path] : [];
  });
}

/** Relative link targets of a Markdown text (inline links and images), without anchors. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
  return targets
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0]!)
    .filter((t) => t !== '');
}

/** Links of `file` that leave the repository or point at nothing. */
function badLinks(
  file: string,
  markdown: string,
  root: string,
  exists: (p: string) => boolean,
): string[] {
  return relativeLinks(markdown).flatMap((target) => {
    const path = resolve(dirname(file), target);
    if (path !== root && !path.startsWith(root + sep))
      return [`${target} (outside the repository)`];
    return exists(path) ? [] : [`${target} (missing)`];
  });
}

const exists = (p: string): boolean => {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
};

describe('links in the repository', () => {
  const files = markdownFiles(ROOT);

  it('finds the Markdown files', () => {
    expect(files.map((f) => relative(ROOT, f))).toEqual(
      expect.arrayContaining(['README.md', join('docs', 'api.md'), join('server', 'README.md')]),
    );
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))(
    '%s links only inside the repository',
    (_name, file) => {
      expect(badLinks(file, readFileSync(file, 'utf8'), ROOT, exists)).toEqual([]);
    },
  );

  it('flags a link out of the repository and a dead one', () => {
    const file = join(ROOT, 'docs', 'x.md');
    const text =
      'See [design](../../shared/DESIGN.md), [api](api.md), [gone](nope.md) and [web](https://x.example/a).';
    expect(badLinks(file, text, ROOT, exists)).toEqual([
      '../../shared/DESIGN.md (outside the repository)',
      'nope.md (missing)',
    ]);
  });
});
