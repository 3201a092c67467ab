import express, { Router } from 'express';
import type { AppDeps } from '../deps';
import { bindRequestContext } from '../logger';
import { createAvatarsRouter } from './avatars';
import { createMeRouter } from './me';
import { createSessionsRouter } from './sessions';

/**
 * JSON bodies are capped well above the largest valid body (a getUserInfo
 * payload: rawData ≤ 8 KiB + encryptedData ≤ 16 KiB of base64 + iv/signature)
 * and far below anything that costs real memory; above it: 413 PAYLOAD_TOO_LARGE.
 */
export const JSON_BODY_LIMIT = '64kb';

/** Mini-program API under /api/v1. */
export function createApiRouter(deps: AppDeps): Router {
  const router = Router();
  // Only application/json is parsed; anything else leaves the body undefined
  // and fails schema validation with 400 VALIDATION_FAILED.
  router.use(express.json({ limit: JSON_BODY_LIMIT, strict: true }));
  router.use(bindRequestContext);
  router.use(createSessionsRouter(deps));
  router.use(createMeRouter(deps));
  router.use(createAvatarsRouter(deps));
  return router;
}
