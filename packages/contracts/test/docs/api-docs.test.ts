import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiReference } from '../../src/openapi';
import { prettierFormat } from './run-node';

const TEMPLATE = join(__dirname, '..', '..', 'docs', 'api.template.md');
const API_MD = join(__dirname, '..', '..', '..', '..', 'docs', 'api.md');

describe('docs/api.md', () => {
  it('is what the generator produces (run `npm run docs:api -w @wxlink/contracts`)', () => {
    const generated = prettierFormat(renderApiReference(readFileSync(TEMPLATE, 'utf8')), API_MD);
    const committed = readFileSync(API_MD, 'utf8');
    if (committed !== generated) {
      throw new Error(
        'docs/api.md is out of date with the contracts or its template: run `npm run docs:api -w @wxlink/contracts` and commit the result',
      );
    }
  });

  it('links only to headings that exist in it', () => {
    const text = readFileSync(API_MD, 'utf8');
    const anchors = new Set(
      [...text.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    const targets = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !anchors.has(t))).toEqual([]);
  });

  it('links to nothing outside the repository', () => {
    const text = readFileSync(API_MD, 'utf8');
    expect(text).not.toMatch(/\]\((?:\.\.\/)+(?:\.\.|shared)|DESIGN\.md/);
  });
});

describe('renderApiReference', () => {
  const ALL = '{{routes-summary}}\n{{routes}}\n{{schemas}}\n{{errors}}\n{{linkage-event}}\n';

  it('replaces each placeholder line and keeps the hand-written text', () => {
    const out = renderApiReference(`# Title\n\nhand-written\n\n${ALL}`);
    expect(out).toMatch(/^# Title\n\nhand-written\n\n\| route \| auth \| body \| success \|/);
    expect(out).toContain('### `DELETE /api/v1/me`');
    expect(out).toContain('| `SESSION_KEY_STALE` | 409 |');
    expect(out).toContain('### LinkageEvent');
    expect(out).toContain('| `error.code` | yes | one of `"VALIDATION_FAILED"`');
    expect(out).not.toContain('{{');
  });

  it('refuses an unknown placeholder and a template that lacks one', () => {
    expect(() => renderApiReference(`${ALL}{{nope}}\n`)).toThrow('unknown placeholder {{nope}}');
    expect(() => renderApiReference('{{routes}}\n')).toThrow(/lacks \{\{routes-summary\}\}/);
  });
});
