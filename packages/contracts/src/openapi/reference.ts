import { ERROR_CODES, ERROR_STATUS } from '../errors';
import { API_ROUTES, type ApiRoute, type ApiRouteName } from '../http';
import { routeTakesBody } from '../route-errors';
import { componentSchemas, NAMED_SCHEMAS, type JsonSchema } from './components';
import { ERROR_DESCRIPTIONS } from './error-descriptions';
import { errorCodesByStatus, ROUTE_SUMMARIES, schemaName } from './operations';
import { propertiesTable, schemaLink, schemaText } from './schema-text';

const ROUTES = Object.entries(API_ROUTES) as [ApiRouteName, ApiRoute][];

function bodyText(route: ApiRoute): string {
  if (route.request !== null) return schemaLink(schemaName(route.request));
  if (routeTakesBody(route)) return 'multipart image (see below)';
  return 'none';
}

function successText(route: ApiRoute): string {
  if (route.response === null) return `\`${route.status}\`, no body`;
  return `\`${route.status}\` ${schemaLink(schemaName(route.response))}`;
}

function routesSummary(): string {
  const rows = ROUTES.map(
    ([, r]) =>
      `| \`${r.method} ${r.path}\` | ${r.auth ? 'bearer' : 'none'} | ${bodyText(r)} | ${successText(r)} |`,
  );
  return ['| route | auth | body | success |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function routeSection([name, route]: [ApiRouteName, ApiRoute]): string {
  const errors = [...errorCodesByStatus(route)].map(
    ([status, codes]) => `| ${status} | ${codes.map((c) => `\`${c}\``).join(', ')} |`,
  );
  return [
    `### \`${route.method} ${route.path}\``,
    ROUTE_SUMMARIES[name],
    [
      `- Name in \`API_ROUTES\`: \`${name}\``,
      `- Auth: ${route.auth ? '`Authorization: Bearer <token>`' : 'none'}`,
      `- Body: ${bodyText(route)}`,
      `- Success: ${successText(route)}`,
    ].join('\n'),
    ['| status | error codes |', '| --- | --- |', ...errors].join('\n'),
  ].join('\n\n');
}

function schemaSection(name: string, schema: JsonSchema): string {
  const body =
    schema.type === 'object' ? propertiesTable(schema) : `Values: ${schemaText(schema)}.`;
  const extra = schema.minProperties === 1 ? '\n\nAt least one field must be present.' : '';
  return `### ${name}\n\n${String(schema.description)}\n\n${body}${extra}`;
}

function errorsTable(): string {
  const rows = ERROR_CODES.map(
    (code) => `| \`${code}\` | ${ERROR_STATUS[code]} | ${ERROR_DESCRIPTIONS[code]} |`,
  );
  return ['| code | status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The generated parts of docs/api.md, by the placeholder that stands for them. */
export function referenceSections(): Record<string, string> {
  const schemas = componentSchemas();
  const named = (name: string) => schemaSection(name, schemas[name]!);
  return {
    'routes-summary': routesSummary(),
    routes: ROUTES.map(routeSection).join('\n\n'),
    schemas: NAMED_SCHEMAS.filter((s) => s.name !== 'LinkageEvent')
      .map((s) => named(s.name))
      .join('\n\n'),
    'linkage-event': named('LinkageEvent'),
    errors: errorsTable(),
  };
}

/**
 * docs/api.md from its template: each line `{{name}}` is replaced by the generated section of
 * that name; the hand-written text around them is kept. An unknown or missing placeholder
 * throws, so a template and the generator cannot silently disagree.
 */
export function renderApiReference(template: string): string {
  const sections = referenceSections();
  const used = new Set<string>();
  const out = template.replace(/^\{\{([a-z-]+)\}\}$/gm, (_line, name: string) => {
    const section = sections[name];
    if (section === undefined) throw new Error(`unknown placeholder {{${name}}} in the template`);
    used.add(name);
    return section;
  });
  const unused = Object.keys(sections).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`the template lacks {{${unused.join('}}, {{')}}}`);
  return out;
}
