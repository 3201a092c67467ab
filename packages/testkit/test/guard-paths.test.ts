import fc from 'fast-check';
import {
  findPathConflicts,
  hasEmptyComponent,
  isPathPrefix,
  isPositionalComponent,
  pathsConflict,
  splitPath,
} from '../src/guard/paths';

/** Reference model: one component list is a prefix of the other. */
function componentPrefix(a: string[], b: string[]): boolean {
  return a.length <= b.length && a.every((component, i) => component === b[i]);
}

// A small alphabet so generated paths collide and share prefixes often.
const component = fc.constantFrom('a', 'b', 'ab', 'a0', '0', 'x_y');
const componentList = fc.array(component, { minLength: 1, maxLength: 4 });
const path = componentList.map((components) => components.join('.'));

describe('path conflicts (MongoDB error 40)', () => {
  it.each([
    ['a', 'a', true],
    ['a', 'a.b', true],
    ['a.b', 'a', true],
    ['a.b.c', 'a.b', true],
    ['a.b', 'a.c', false],
    ['a', 'ab', false],
    ['a.b', 'a.bc', false],
    ['ab.c', 'a', false],
    ['_id', '_id.x', true],
  ])('%s vs %s conflict: %s', (a, b, expected) => {
    expect(pathsConflict(a, b)).toBe(expected);
  });

  it('agrees with the component-prefix model on every pair', () => {
    fc.assert(
      fc.property(componentList, componentList, (a, b) => {
        const expected = componentPrefix(a, b) || componentPrefix(b, a);
        expect(pathsConflict(a.join('.'), b.join('.'))).toBe(expected);
      }),
    );
  });

  it('is symmetric, and every path conflicts with its descendants', () => {
    fc.assert(
      fc.property(path, path, (a, b) => {
        expect(pathsConflict(a, b)).toBe(pathsConflict(b, a));
        expect(pathsConflict(a, `${a}.${b}`)).toBe(true);
      }),
    );
  });

  it('never lets a longer field name that merely starts with the same letters conflict', () => {
    fc.assert(
      fc.property(path, fc.constantFrom('x', 'Z', '9', '_'), (a, suffix) => {
        expect(pathsConflict(a, a + suffix)).toBe(false);
        expect(isPathPrefix(a, a + suffix)).toBe(false);
      }),
    );
  });

  it('finds exactly the overlapping pairs across operators', () => {
    const entry = fc.record({ operator: fc.constantFrom('$set', '$inc', '$unset'), path });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (entries) => {
        const found = findPathConflicts(entries);
        let expected = 0;
        entries.forEach((x, i) =>
          entries.slice(i + 1).forEach((y) => {
            if (pathsConflict(x.path, y.path)) expected += 1;
          }),
        );
        expect(found).toHaveLength(expected);
        for (const { first, second } of found) {
          expect(pathsConflict(first.path, second.path)).toBe(true);
        }
      }),
    );
  });

  it('reports the issue examples: $set/$setOnInsert on one path, a parent beside a child', () => {
    expect(
      findPathConflicts([
        { operator: '$set', path: 'a' },
        { operator: '$setOnInsert', path: 'a' },
      ]),
    ).toHaveLength(1);
    expect(
      findPathConflicts([
        { operator: '$set', path: 'a.b' },
        { operator: '$set', path: 'a' },
      ]),
    ).toHaveLength(1);
    expect(
      findPathConflicts([
        { operator: '$set', path: 'a.b' },
        { operator: '$set', path: 'a.c' },
        { operator: '$inc', path: 'n' },
      ]),
    ).toEqual([]);
  });
});

describe('path syntax', () => {
  it.each(['', 'a.', '.a', 'a..b'])('%j has an empty component', (p) => {
    expect(hasEmptyComponent(p)).toBe(true);
  });

  it('splits on dots only', () => {
    expect(splitPath('a.b-c.$[x]')).toEqual(['a', 'b-c', '$[x]']);
    expect(hasEmptyComponent('a.b')).toBe(false);
  });

  it.each([
    ['$', true],
    ['$[]', true],
    ['$[elem]', true],
    ['$set', false],
    ['$x', false],
    ['a', false],
  ])('%s is positional: %s', (c, expected) => {
    expect(isPositionalComponent(c)).toBe(expected);
  });
});
