/**
 * The rules one write statement is checked against: an update (operators,
 * replacement or pipeline) with its filter, or a document to insert.
 */
import { findDollarFields, isOperatorDocument, isPlainDocument, sameBsonValue } from './documents';
import {
  findPathConflicts,
  hasEmptyComponent,
  isPathPrefix,
  isPositionalComponent,
  splitPath,
  type UpdatePath,
} from './paths';
import type { Finding } from './violation';

/** One update statement as the `update`, `findAndModify` and `bulkWrite` commands carry it. */
export interface UpdateStatement {
  readonly filter: unknown;
  readonly update: unknown;
  readonly arrayFilters: unknown;
}

/** The operators the embedded database (jongodb) applies; probed, not assumed. */
export const SUPPORTED_OPERATORS: ReadonlySet<string> = new Set([
  '$set',
  '$setOnInsert',
  '$unset',
  '$inc',
  '$addToSet',
]);

/** MongoDB update operators the embedded database rejects with "unsupported update operator". */
export const UNSUPPORTED_OPERATORS: ReadonlySet<string> = new Set([
  '$push',
  '$pull',
  '$pullAll',
  '$pop',
  '$min',
  '$max',
  '$mul',
  '$rename',
  '$currentDate',
  '$bit',
]);

const DOLLAR_FIELD_DETAIL =
  'a $-prefixed field name would be stored; MongoDB rejects it in replacements, in _id, ' +
  'in $set on an existing document and before 5.0 anywhere, and cannot index or query it';

/** Checks a document an `insert` stores. */
export function checkInsertedDocument(doc: unknown): Finding[] {
  const fields = findDollarFields(doc, '');
  return fields.length
    ? [{ rule: 'dollar-field', paths: fields, detail: DOLLAR_FIELD_DETAIL }]
    : [];
}

/** Checks one update statement of any form. */
export function checkUpdateStatement(statement: UpdateStatement): Finding[] {
  const { update } = statement;
  const findings: Finding[] = [];
  if (statement.arrayFilters !== undefined && statement.arrayFilters !== null) {
    findings.push(unsupported(['arrayFilters'], 'array filters ($[identifier]) are not supported'));
  }
  if (Array.isArray(update)) {
    findings.push(
      unsupported(['pipeline'], 'pipeline updates (an array of stages) are not supported'),
    );
  } else if (isPlainDocument(update)) {
    const idInFilter = filterIdEquality(statement.filter);
    findings.push(
      ...(isOperatorDocument(update)
        ? checkOperatorUpdate(update, idInFilter)
        : checkReplacement(update, idInFilter)),
    );
  } else {
    findings.push({
      rule: 'malformed-update',
      paths: ['u'],
      detail: 'the update is not a document',
    });
  }
  return findings;
}

/** `{ value }` when the filter pins `_id` by equality (`{_id: v}` or `{_id: {$eq: v}}`). */
export function filterIdEquality(filter: unknown): { value: unknown } | undefined {
  if (!isPlainDocument(filter) || !Object.hasOwn(filter, '_id')) return undefined;
  const id = filter._id;
  if (isPlainDocument(id) && isOperatorDocument(id)) {
    const keys = Object.keys(id);
    return keys.length === 1 && keys[0] === '$eq' ? { value: id.$eq } : undefined;
  }
  return { value: id };
}

function unsupported(paths: string[], what: string): Finding {
  return { rule: 'unsupported-update', paths, detail: `the embedded database lacks this: ${what}` };
}

function checkReplacement(
  doc: Record<string, unknown>,
  idInFilter: { value: unknown } | undefined,
): Finding[] {
  const findings = checkInsertedDocument(doc);
  // A replacement keeps the matched document's _id; MongoDB rejects one that
  // differs (error 66). Only a filter pinning _id lets the guard prove it.
  if (Object.hasOwn(doc, '_id') && idInFilter && !sameBsonValue(doc._id, idInFilter.value)) {
    findings.push({
      rule: 'immutable-id',
      paths: ['_id'],
      detail: "the replacement's _id differs from the filter's _id",
    });
  }
  return findings;
}

/** Every path an operator touches: its field names, plus `$rename`'s targets. */
function touchedPaths(operator: string, operand: Record<string, unknown>): UpdatePath[] {
  const paths = Object.keys(operand).map((path) => ({ operator, path }));
  if (operator === '$rename') {
    for (const target of Object.values(operand)) {
      if (typeof target === 'string') paths.push({ operator, path: target });
    }
  }
  return paths;
}

function checkOperatorUpdate(
  update: Record<string, unknown>,
  idInFilter: { value: unknown } | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const touched: UpdatePath[] = [];
  for (const [operator, operand] of Object.entries(update)) {
    if (!operator.startsWith('$')) {
      findings.push(malformed([operator], 'a field next to update operators'));
    } else if (!SUPPORTED_OPERATORS.has(operator) && !UNSUPPORTED_OPERATORS.has(operator)) {
      findings.push(malformed([operator], 'an unknown update operator'));
    } else if (!isPlainDocument(operand)) {
      findings.push(malformed([operator], 'the operator takes a document of paths'));
    } else {
      if (UNSUPPORTED_OPERATORS.has(operator)) {
        findings.push(unsupported([operator], `the ${operator} update operator is not supported`));
      }
      findings.push(...checkOperand(operator, operand, idInFilter));
      touched.push(...touchedPaths(operator, operand));
    }
  }
  for (const { first, second } of findPathConflicts(touched)) {
    findings.push({
      rule: 'conflicting-paths',
      paths: [`${first.operator}:${first.path}`, `${second.operator}:${second.path}`],
      detail:
        'one update may not touch a path twice or a path and its parent (ConflictingUpdateOperators)',
    });
  }
  return findings;
}

function malformed(paths: string[], what: string): Finding {
  return { rule: 'malformed-update', paths, detail: `MongoDB rejects ${what}` };
}

/** The per-path rules of one operator: path syntax, `_id`, and stored `$` field names. */
function checkOperand(
  operator: string,
  operand: Record<string, unknown>,
  idInFilter: { value: unknown } | undefined,
): Finding[] {
  const findings: Finding[] = [];
  for (const { path } of touchedPaths(operator, operand)) {
    const label = [`${operator}:${path}`];
    const components = splitPath(path);
    if (hasEmptyComponent(path)) {
      findings.push({ rule: 'empty-path', paths: label, detail: 'a path component is empty' });
    } else if (components.some(isPositionalComponent)) {
      findings.push(unsupported(label, 'positional updates ($, $[], $[identifier])'));
    } else if (components.some((c) => c.startsWith('$'))) {
      findings.push({ rule: 'dollar-field', paths: label, detail: DOLLAR_FIELD_DETAIL });
    }
    if (isPathPrefix('_id', path) && changesId(operator, path, operand[path], idInFilter)) {
      findings.push({ rule: 'immutable-id', paths: label, detail: ID_DETAIL });
    }
  }
  for (const [path, value] of Object.entries(operand)) {
    const fields = storedDollarFields(operator, path, value);
    if (fields.length) {
      findings.push({ rule: 'dollar-field', paths: fields, detail: DOLLAR_FIELD_DETAIL });
    }
  }
  return findings;
}

const ID_DETAIL =
  '_id is immutable (MongoDB error 66); the guard allows only $set or $setOnInsert ' +
  "of _id to the filter's own _id, and $setOnInsert of _id when the filter does not pin _id";

/**
 * Whether an operator touching `_id` (or a part of it) may change it. MongoDB
 * allows setting `_id` to the value it already has; the guard can prove that
 * only against an `_id` equality in the filter. `$setOnInsert` runs only when
 * the upsert inserts, where `_id` is whatever the filter pinned (if anything).
 */
function changesId(
  operator: string,
  path: string,
  value: unknown,
  idInFilter: { value: unknown } | undefined,
): boolean {
  const sameAsFilter =
    path === '_id' && idInFilter !== undefined && sameBsonValue(value, idInFilter.value);
  if (operator === '$setOnInsert') return idInFilter !== undefined && !sameAsFilter;
  return !(operator === '$set' && sameAsFilter);
}

/** `$` field names inside the values an operator stores (`$set`, `$setOnInsert`, `$addToSet`). */
function storedDollarFields(operator: string, path: string, value: unknown): string[] {
  if (operator === '$set' || operator === '$setOnInsert') return findDollarFields(value, path);
  if (operator !== '$addToSet') return [];
  // `{$addToSet: {tags: {$each: [...]}}}`: $each is a modifier, its elements are stored.
  if (isPlainDocument(value) && isOperatorDocument(value)) {
    const each = value.$each;
    return Array.isArray(each) ? findDollarFields(each, `${path}.$each`) : [];
  }
  return findDollarFields(value, path);
}
