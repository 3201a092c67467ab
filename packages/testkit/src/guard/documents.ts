/**
 * Reading the documents a command carries: which values are sub-documents,
 * which field names MongoDB refuses to store, and when two `_id` values are
 * provably the same.
 */

/** A value the BSON serializer writes as an embedded document (not an ObjectId, Date, Binary...). */
export function isPlainDocument(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** The first field name decides whether an update document is operators or a replacement. */
export function isOperatorDocument(value: Record<string, unknown>): boolean {
  const first = Object.keys(value)[0];
  return first !== undefined && first.startsWith('$');
}

/**
 * A DBRef (`{$ref, $id[, $db]}` in that order): the one shape whose `$` field
 * names every MongoDB version stores, so it is not a violation.
 */
function isDbRef(doc: Record<string, unknown>): boolean {
  const keys = Object.keys(doc);
  return keys[0] === '$ref' && keys[1] === '$id';
}

/**
 * Every `$`-prefixed field name inside `value`, as dotted paths under `base`,
 * descending through embedded documents and arrays (array elements are named
 * by index). DBRefs are skipped. Stops after `limit` findings: one is enough
 * to fail the write, and a hostile document must not cost unbounded work.
 */
export function findDollarFields(value: unknown, base: string, limit = 10): string[] {
  const found: string[] = [];
  const walk = (node: unknown, path: string, depth: number): void => {
    // BSON documents nest at most 100 levels deep; deeper data is already invalid.
    if (found.length >= limit || depth > 100) return;
    if (Array.isArray(node)) {
      node.forEach((item, index) => walk(item, join(path, String(index)), depth + 1));
      return;
    }
    if (!isPlainDocument(node)) return;
    const dbRef = isDbRef(node);
    for (const [key, child] of Object.entries(node)) {
      if (found.length >= limit) return;
      const childPath = join(path, key);
      if (key.startsWith('$') && !dbRef) found.push(childPath);
      else walk(child, childPath, depth + 1);
    }
  };
  walk(value, base, 0);
  return found;
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

/** BSON wrapper values (ObjectId, Long, Decimal128, Binary...) carry `_bsontype`. */
function bsonType(value: object): string | undefined {
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

const NUMERIC_BSON_TYPES = new Set(['Int32', 'Double', 'Long']);

/** A number for JS numbers and numeric BSON wrappers, else undefined. */
function numericValue(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value !== null && typeof value === 'object') {
    const tag = bsonType(value);
    if (tag && NUMERIC_BSON_TYPES.has(tag)) return Number(value.valueOf());
  }
  return undefined;
}

/**
 * True only when `a` and `b` are provably the same BSON value, the way
 * MongoDB compares `_id`s: numbers across numeric types, wrappers by their
 * bytes, documents field by field in order. Anything it cannot compare is
 * "not provably equal".
 */
export function sameBsonValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== undefined || nb !== undefined) return na === nb;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => sameBsonValue(item, b[i]))
    );
  }
  const tag = bsonType(a);
  if (tag !== undefined || bsonType(b) !== undefined) {
    return tag === bsonType(b) && sameWrapper(a, b);
  }
  if (!isPlainDocument(a) || !isPlainDocument(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameBsonValue(a[k], b[k]));
}

/** Two wrappers of one BSON type: their own `equals` when they have one, else their JSON form. */
function sameWrapper(a: object, b: object): boolean {
  const equals = (a as { equals?: unknown }).equals;
  if (typeof equals === 'function') return equals.call(a, b) === true;
  const toJSON = (a as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' && JSON.stringify(a) === JSON.stringify(b);
}
