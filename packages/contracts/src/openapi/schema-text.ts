import { COMPONENT_REF_PREFIX, type JsonSchema } from './components';

/** A markdown link to a named schema's heading in the reference (GitHub anchor rules). */
export function schemaLink(name: string): string {
  return `[${name}](#${name.toLowerCase()})`;
}

/** Pipes end a markdown table cell, even inside a code span, unless escaped. */
function code(text: string): string {
  return `\`${text.replace(/\|/g, '\\|')}\``;
}

function range(min: unknown, max: unknown, unit: string): string | null {
  if (typeof min === 'number' && typeof max === 'number') return `${min}..${max} ${unit}`;
  if (typeof max === 'number') return `≤ ${max} ${unit}`;
  if (typeof min === 'number') return `≥ ${min} ${unit}`;
  return null;
}

function stringText(schema: JsonSchema): string {
  // zod's date-time pattern only spells out the format: the format says it better.
  if (schema.format === 'date-time') return 'ISO 8601 date-time, UTC (`Z`)';
  const parts = ['string'];
  if (schema.format === 'uri') parts.push('http(s) URL');
  const length = range(schema.minLength, schema.maxLength, 'chars');
  if (length) parts.push(length);
  if (typeof schema.pattern === 'string') parts.push(`matching ${code(schema.pattern)}`);
  return parts.join(', ');
}

function numberText(schema: JsonSchema): string {
  // zod writes ±MAX_SAFE_INTEGER as the bounds of .int(): not limits anyone means.
  const min = schema.minimum === Number.MIN_SAFE_INTEGER ? undefined : schema.minimum;
  const max = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
  const bounds = range(min, max, '');
  return bounds ? `${String(schema.type)} ${bounds.trim()}` : String(schema.type);
}

/** One line saying what values a JSON Schema allows, for a table cell. */
export function schemaText(schema: JsonSchema): string {
  if (typeof schema.$ref === 'string') {
    return schemaLink(schema.$ref.slice(COMPONENT_REF_PREFIX.length));
  }
  if (Array.isArray(schema.anyOf)) {
    return (schema.anyOf as JsonSchema[]).map(schemaText).join('; or ');
  }
  if (Array.isArray(schema.enum)) {
    return `one of ${schema.enum.map((v) => code(JSON.stringify(v))).join(', ')}`;
  }
  switch (schema.type) {
    case 'string':
      return stringText(schema);
    case 'integer':
    case 'number':
      return numberText(schema);
    case 'array': {
      const items = range(schema.minItems, schema.maxItems, 'items');
      return `array of ${schemaText(schema.items as JsonSchema)}${items ? ` (${items})` : ''}`;
    }
    case 'object':
      return 'object';
    default:
      return String(schema.type);
  }
}

/** Table rows of an object's properties; inline nested objects add `parent.child` rows. */
function propertyRows(schema: JsonSchema, prefix: string): string[] {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).flatMap(([name, property]) => {
    const row = `| \`${prefix}${name}\` | ${required.has(name) ? 'yes' : 'no'} | ${schemaText(property)} |`;
    const nested = property.type === 'object' ? propertyRows(property, `${prefix}${name}.`) : [];
    return [row, ...nested];
  });
}

/** A markdown table of an object schema's properties: name, required or not, and values. */
export function propertiesTable(schema: JsonSchema): string {
  return ['| field | required | values |', '| --- | --- | --- |', ...propertyRows(schema, '')].join(
    '\n',
  );
}
