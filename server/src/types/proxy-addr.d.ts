/**
 * The slice of `proxy-addr` (Express's own trust-proxy compiler) that
 * config.ts uses to validate TRUST_PROXY exactly as Express will read it.
 */
declare module 'proxy-addr' {
  type TrustFunction = (addr: string, index: number) => boolean;
  /** Throws TypeError on an invalid address, subnet or name. */
  export function compile(val: string | readonly string[]): TrustFunction;
}
