/**
 * Update paths as MongoDB reads them: a dotted string split into components,
 * and the rule by which two paths of one update document conflict.
 */

/** One path an update touches, and the operator that touches it (`$rename` touches two). */
export interface UpdatePath {
  readonly operator: string;
  readonly path: string;
}

/** Two paths of one update document that MongoDB refuses to apply together (error 40). */
export interface PathConflict {
  readonly first: UpdatePath;
  readonly second: UpdatePath;
}

/** Splits `a.b.c` into its components. Empty components are kept so callers can reject them. */
export function splitPath(path: string): string[] {
  return path.split('.');
}

/** True when a path has an empty component (`''`, `a.`, `.a`, `a..b`), which MongoDB rejects. */
export function hasEmptyComponent(path: string): boolean {
  return splitPath(path).some((component) => component === '');
}

/**
 * True when `prefix` equals `path` or names one of its ancestors, component by
 * component: `a` is a prefix of `a.b` but not of `ab`.
 */
export function isPathPrefix(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(prefix + '.');
}

/**
 * MongoDB's rule (UpdateDriver, error 40 ConflictingUpdateOperators): across
 * every operator of one update document, no touched path may equal another or
 * be the ancestor of another. `$set:{a:1}` + `$setOnInsert:{a:2}` conflict even
 * when the write turns out to be an update, because the check runs at parse time.
 */
export function pathsConflict(a: string, b: string): boolean {
  return isPathPrefix(a, b) || isPathPrefix(b, a);
}

/**
 * Every conflicting pair among `paths`, in input order. Quadratic, which is fine
 * for the handful of paths one update document carries.
 */
export function findPathConflicts(paths: readonly UpdatePath[]): PathConflict[] {
  const conflicts: PathConflict[] = [];
  for (let i = 0; i < paths.length; i += 1) {
    for (let j = i + 1; j < paths.length; j += 1) {
      const first = paths[i];
      const second = paths[j];
      if (first && second && pathsConflict(first.path, second.path)) {
        conflicts.push({ first, second });
      }
    }
  }
  return conflicts;
}

/** A path component that is a positional operator: `$`, `$[]` or `$[identifier]`. */
export function isPositionalComponent(component: string): boolean {
  return component === '$' || /^\$\[[A-Za-z0-9]*\]$/.test(component);
}
