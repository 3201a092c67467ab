import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as isomorphic from '../../src';
import * as node from '../../src/node';
import * as openapi from '../../src/openapi';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** Names of an entry's exports that the README never mentions. */
function unmentioned(entry: object): string[] {
  return Object.keys(entry).filter((name) => !new RegExp(`\\b${name}\\b`).test(README));
}

describe('README.md, the reference of the package', () => {
  it.each([
    ['@wxlink/contracts', isomorphic],
    ['@wxlink/contracts/node', node],
    ['@wxlink/contracts/openapi', openapi],
  ])('names every runtime export of %s', (_entry, exports) => {
    expect(unmentioned(exports)).toEqual([]);
  });

  it('finds an export it does not name', () => {
    expect(unmentioned({ notInTheReadme: 1, API_ROUTES: 2 })).toEqual(['notInTheReadme']);
  });

  it('links to nothing outside the repository', () => {
    expect(README).not.toMatch(/\]\((?:\.\.\/){3,}|shared\/|DESIGN\.md/);
  });
});
