import { Router } from 'express';

/**
 * An Express router that matches paths exactly: case-sensitive, and a
 * trailing slash is another path. Express's defaults are the opposite, and
 * routers do not inherit the app's settings, so every router of the server
 * is made here: `/METRICS` or `/api/v1/me/` must not reach what a proxy rule
 * for `/metrics` or `/api/v1/me` was written to guard.
 */
export function exactRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}
