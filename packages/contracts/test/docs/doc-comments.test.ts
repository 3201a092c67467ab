import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { undocumentedExports } from './undocumented-exports';

const SRC = join(__dirname, '..', '..', 'src');
// src/node/* is checked by its own suite; these are the isomorphic and OpenAPI entries.
const DIRS = ['.', 'openapi', 'node'];

const files = DIRS.flatMap((dir) =>
  readdirSync(join(SRC, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f)),
);

describe('doc comments', () => {
  it.each(files)('every export of src/%s has one', (file) => {
    expect(undocumentedExports(file, readFileSync(join(SRC, file), 'utf8'))).toEqual([]);
  });

  it('finds exports without one, of every kind', () => {
    const source = [
      '/** documented */ export const a = 1;',
      'export const b = 2, c = 3;',
      'export function f() {}',
      'export type T = string;',
      '// a line comment is not a doc comment',
      'export interface I {}',
      'export class C {}',
      "export * from './x';",
      'const private_ = 0;',
    ].join('\n');
    expect(undocumentedExports('x.ts', source)).toEqual(['b', 'c', 'f', 'T', 'I', 'C']);
  });
});
