/** Reading a WeChat API call's parameters (its query string or its JSON body). */

/** A call's parameters: the parsed query string or JSON body object. */
export type Params = Record<string, unknown>;

/** A string parameter (the first of a repeated one); '' counts as missing. */
export function str(params: Params, name: string): string | undefined {
  const raw = params[name];
  const v: unknown = Array.isArray(raw) ? raw[0] : raw;
  return typeof v === 'string' && v !== '' ? v : undefined;
}
