/**
 * Splits the write commands the driver sends into statements and checks each:
 * `insert` (documents), `update` (updates), `findAndModify` (one update) and
 * MongoDB 8's client-level `bulkWrite` (ops over nsInfo). A collection's
 * `bulkWrite()` reaches the server as `insert`/`update`/`delete` commands.
 */
import { isPlainDocument } from './documents';
import { checkInsertedDocument, checkUpdateStatement } from './update-rules';
import { locate, type Finding, type GuardViolation } from './violation';

/** The write commands the guard reads; every other command passes unchecked. */
export const GUARDED_COMMANDS: ReadonlySet<string> = new Set([
  'insert',
  'update',
  'findAndModify',
  'bulkWrite',
]);

type Command = Record<string, unknown>;

/** Every violation in one command, or none. Commands it does not guard yield none. */
export function checkCommand(
  commandName: string,
  command: Command,
  databaseName: string,
): GuardViolation[] {
  if (commandName === 'bulkWrite') return checkClientBulkWrite(command);
  const collection = command[commandName];
  const namespace = `${databaseName}.${typeof collection === 'string' ? collection : '?'}`;
  const statements = statementFindings(commandName, command);
  return statements.flatMap((findings, index) =>
    findings.map((finding) => locate(finding, commandName, namespace, index)),
  );
}

/** Findings per statement of an `insert`, `update` or `findAndModify` command. */
function statementFindings(commandName: string, command: Command): Finding[][] {
  switch (commandName) {
    case 'insert':
      return asArray(command.documents).map(checkInsertedDocument);
    case 'update':
      return asArray(command.updates).map((statement) =>
        isPlainDocument(statement)
          ? checkUpdateStatement({
              filter: statement.q,
              update: statement.u,
              arrayFilters: statement.arrayFilters,
            })
          : [],
      );
    case 'findAndModify':
      // A removal (or a plain read with neither) stores nothing.
      if (command.remove === true || command.update === undefined) return [];
      return [
        checkUpdateStatement({
          filter: command.query,
          update: command.update,
          arrayFilters: command.arrayFilters,
        }),
      ];
    default:
      return [];
  }
}

/**
 * MongoDB 8's `bulkWrite` command: `ops` entries name their namespace by index
 * into `nsInfo`; `{insert, document}` or `{update, filter, updateMods, upsert}`.
 */
function checkClientBulkWrite(command: Command): GuardViolation[] {
  const nsInfo = asArray(command.nsInfo);
  return asArray(command.ops).flatMap((op, index) => {
    if (!isPlainDocument(op)) return [];
    const kind = 'insert' in op ? 'insert' : 'update' in op ? 'update' : undefined;
    if (kind === undefined) return [];
    const entry = nsInfo[Number(op[kind])];
    const ns = isPlainDocument(entry) && typeof entry.ns === 'string' ? entry.ns : '?';
    const findings =
      kind === 'insert'
        ? checkInsertedDocument(op.document)
        : checkUpdateStatement({
            filter: op.filter,
            update: op.updateMods,
            arrayFilters: op.arrayFilters,
          });
    return findings.map((finding) => locate(finding, 'bulkWrite', ns, index));
  });
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
