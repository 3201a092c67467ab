/**
 * The mini-program API's error contract, checked on every answer a test
 * receives: an error from a route of contracts' API_ROUTES must carry one of
 * the codes that route names (routeErrorCodes) under that code's status. So
 * a code the contract never told the mini-program about fails the test that
 * provoked it, whatever that test asserts itself.
 */
import { API_ROUTES, ERROR_STATUS, routeErrorCodes, type ApiRoute } from '@wxlink/contracts';

const ROUTES = Object.entries(API_ROUTES) as [string, ApiRoute][];

/** The API_ROUTES entry a request is for, by method and exact path (query ignored). */
function routeOf(method: string, pathWithQuery: string): [string, ApiRoute] | undefined {
  const path = pathWithQuery.split('?')[0];
  return ROUTES.find(([, r]) => r.method === method.toUpperCase() && r.path === path);
}

/** Throws when an error answer of an API route breaks the route's contract. */
export function assertRouteContract(
  method: string,
  path: string,
  status: number,
  body: unknown,
): void {
  if (status < 400) return;
  const found = routeOf(method, path);
  if (!found) return;
  const [name, route] = found;
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  if (typeof code !== 'string') {
    throw new Error(`${name}: ${status} without an error envelope`);
  }
  if (!(routeErrorCodes(route) as string[]).includes(code)) {
    throw new Error(`${name}: answered ${code}, which its contract does not name`);
  }
  if (ERROR_STATUS[code as keyof typeof ERROR_STATUS] !== status) {
    throw new Error(`${name}: ${code} under ${status}, not its status`);
  }
}
