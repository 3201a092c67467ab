import ts from 'typescript';

/**
 * Names of the top-level exports of one TypeScript source that carry no doc comment
 * (re-exports such as `export * from` are skipped: the comment lives at the declaration).
 */
export function undocumentedExports(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const missing: string[] = [];
  for (const statement of file.statements) {
    if (!isExported(statement)) continue;
    if (ts.getJSDocCommentsAndTags(statement).length > 0) continue;
    missing.push(...declaredNames(statement));
  }
  return missing;
}

function isExported(statement: ts.Statement): boolean {
  if (!ts.canHaveModifiers(statement)) return false;
  return (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function declaredNames(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.map((d) => d.name.getText());
  }
  const named = statement as ts.Statement & { name?: ts.Identifier };
  return [named.name?.getText() ?? '(anonymous)'];
}
