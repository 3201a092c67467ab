import { z } from 'zod';
import { schemaName } from '../src/openapi';
import { propertiesTable, schemaText } from '../src/openapi/schema-text';

describe('schemaText', () => {
  it('says what a string, number and array allow', () => {
    expect(schemaText({ type: 'string', minLength: 2 })).toBe('string, ≥ 2 chars');
    expect(schemaText({ type: 'string', maxLength: 9, pattern: 'a|b' })).toBe(
      'string, ≤ 9 chars, matching `a\\|b`',
    );
    expect(schemaText({ type: 'number' })).toBe('number');
    expect(schemaText({ type: 'integer', minimum: 1, maximum: 5 })).toBe('integer 1..5');
    expect(schemaText({ type: 'integer', maximum: Number.MAX_SAFE_INTEGER })).toBe('integer');
    expect(schemaText({ type: 'array', items: { type: 'boolean' } })).toBe('array of boolean');
    expect(schemaText({ type: 'null' })).toBe('null');
  });

  it('renders what zod writes for the contract schemas', () => {
    const json = z.toJSONSchema(z.strictObject({ at: z.iso.datetime(), n: z.number().int() }), {
      target: 'draft-2020-12',
    });
    expect(propertiesTable(json as Record<string, unknown>)).toBe(
      [
        '| field | required | values |',
        '| --- | --- | --- |',
        '| `at` | yes | ISO 8601 date-time, UTC (`Z`) |',
        '| `n` | yes | integer |',
      ].join('\n'),
    );
  });
});

describe('schemaName', () => {
  it('refuses a schema that has no component name', () => {
    expect(() => schemaName(z.string())).toThrow('not in NAMED_SCHEMAS');
  });
});
